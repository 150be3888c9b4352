// The AWS SDK for JavaScript v3 in Node through injected faults (tests/e2e/test_client_js.py adds
// the rules): the SDK's default (standard) retry strategy must carry PutObject and GetObject through
// 503s. Prints one JSON object: {put, get} with each call's attempts, or {error}.
//
// Usage: node faults.mjs '{"endpoint": "http://127.0.0.1:PORT", "bucket": "...",
//        "accessKey": "...", "secretKey": "..."}'

import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const cfg = JSON.parse(process.argv[2]);
const s3 = new S3Client({
  endpoint: cfg.endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: cfg.accessKey, secretAccessKey: cfg.secretKey },
  requestHandler: new NodeHttpHandler({ requestTimeout: 30_000 }),
  maxAttempts: 4,
});

let out;
try {
  const put = await s3.send(new PutObjectCommand({ Bucket: cfg.bucket, Key: "retried.txt",
                                                   Body: "made it through", ContentType: "text/plain" }));
  const got = await s3.send(new GetObjectCommand({ Bucket: cfg.bucket, Key: "retried.txt" }));
  out = { put: { attempts: put.$metadata.attempts, etag: put.ETag },
          get: { attempts: got.$metadata.attempts, text: await got.Body.transformToString() } };
} catch (e) {
  out = { error: { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode,
                   attempts: e.$metadata?.attempts } };
}
process.stdout.write(JSON.stringify(out) + "\n");
