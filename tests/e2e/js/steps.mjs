// What the AWS SDK for JavaScript v3 does against s3mock, the same steps in Node (node_client.mjs)
// and in Chromium (browser_entry.mjs, bundled by esbuild). Each step records what the SDK
// returned; tests/e2e/test_client_js.py asserts it and reads back with boto3 what was stored.
//
// Bodies are pattern(n) (byte i is i % 251), which the test rebuilds to compare stored bytes.

import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand,
  HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

export const MiB = 1024 * 1024;
export const PART = 5 * MiB;        // S3's smallest part but the last

export function pattern(n) {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = i % 251;
  return a;
}

async function sha256(bytes) {
  const d = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A GetObject's answer as JSON-ready data; the body as text when `text`, else size and SHA-256.
async function readObject(out, text) {
  const bytes = await out.Body.transformToByteArray();
  const body = text ? { text: new TextDecoder().decode(bytes) }
                    : { size: bytes.length, sha256: await sha256(bytes) };
  return { ...body, etag: out.ETag, contentType: out.ContentType,
           contentLength: out.ContentLength, metadata: out.Metadata };
}

function listed(out) {
  return { keys: (out.Contents || []).map((o) => [o.Key, o.Size, o.ETag]),
           prefixes: (out.CommonPrefixes || []).map((p) => p.Prefix), keyCount: out.KeyCount };
}

// The object calls a page can make once the bucket and its CORS exist (both runtimes).
// `bigSize`: the multipart Upload's size (more than one part).
export async function objectSteps(s3, bucket, bigSize) {
  const r = {};
  const put = await s3.send(new PutObjectCommand({
    Bucket: bucket, Key: "hello.txt", Body: "hello from the JS SDK",
    ContentType: "text/plain", Metadata: { from: "js-sdk" } }));
  r.put = { etag: put.ETag };
  r.get = await readObject(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" })), true);
  for (const key of ["dir/a.bin", "dir/b.bin", "dir/sub/c.bin"]) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: pattern(1000) }));
  }
  r.listRoot = listed(await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" })));
  r.listDir = listed(await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir/" })));

  const upload = new Upload({
    client: s3, params: { Bucket: bucket, Key: "big.bin", Body: pattern(bigSize) },
    partSize: PART, queueSize: 2, leavePartsOnError: false });
  const parts = [];
  upload.on("httpUploadProgress", (p) => parts.push(p.part));
  const done = await upload.done();
  r.upload = { etag: done.ETag, key: done.Key, bucket: done.Bucket,
               parts: [...new Set(parts)].sort((a, b) => a - b) };
  r.getBig = await readObject(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "big.bin" })), false);
  r.getRange = await readObject(await s3.send(new GetObjectCommand({
    Bucket: bucket, Key: "big.bin", Range: `bytes=${PART - 10}-${PART + 9}` })), false);

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "dir/b.bin" }));
  r.listAfterDelete = listed(await s3.send(new ListObjectsV2Command({ Bucket: bucket })));
  return r;
}

// What only Node does: CreateBucket, HeadObject, CopyObject, paging, presigned URLs.
// `request(url, method, body)` sends a presigned URL with the runtime's HTTP and resolves to
// {status, text}.
export async function nodeSteps(s3, bucket, bigSize, request) {
  const created = await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const r = { create: { location: created.Location } };
  Object.assign(r, await objectSteps(s3, bucket, bigSize));

  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin" }));
  r.head = { etag: head.ETag, contentLength: head.ContentLength };
  const copy = await s3.send(new CopyObjectCommand({
    Bucket: bucket, Key: "copy.txt", CopySource: `${bucket}/hello.txt` }));
  r.copy = { etag: copy.CopyObjectResult.ETag };

  const pages = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: bucket })) {
    pages.push((page.Contents || []).map((o) => o.Key));
    if (pages.length > 20) break;     // bounded: the bucket holds a handful of keys
  }
  r.pages = pages;

  const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }),
                                    { expiresIn: 300 });
  r.presignedGet = { url: getUrl, ...(await request(getUrl, "GET")) };
  const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: "presigned.txt" }),
                                    { expiresIn: 300 });
  r.presignedPut = { url: putUrl, ...(await request(putUrl, "PUT", "put through a presigned URL")) };
  return r;
}
