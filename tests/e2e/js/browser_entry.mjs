// The AWS SDK for JavaScript v3 as a page loads it: esbuild bundles this file (and the SDK from
// node_modules, its browser build) into one script, which tests/e2e/test_client_js.py serves to
// headless Chromium. The page calls window.s3mockRun(cfg) and gets steps.mjs' objectSteps results,
// or {error} with what the SDK threw. Requests go out through the SDK's fetch handler, so the
// browser enforces CORS on each of them.

import { S3Client } from "@aws-sdk/client-s3";
import { objectSteps } from "./steps.mjs";

window.s3mockRun = async function (cfg) {
  const s3 = new S3Client({
    endpoint: cfg.endpoint,
    region: "us-east-1",
    forcePathStyle: cfg.style === "path",
    credentials: { accessKeyId: cfg.accessKey, secretAccessKey: cfg.secretKey },
    maxAttempts: 1,
  });
  try {
    return { results: await objectSteps(s3, cfg.bucket, cfg.bigSize) };
  } catch (e) {
    return { error: { name: e.name, message: String(e.message), status: e.$metadata?.httpStatusCode,
                      stack: String(e.stack) } };
  }
};
