// The AWS SDK for JavaScript v3 in Node against s3mock: runs steps.mjs' nodeSteps and prints one
// JSON object on stdout: {results, requests, lookups}, or {error} with the SDK's error.
//
// Usage: node node_client.mjs '{"endpoint": "http://localhost:PORT", "style": "path"|"virtual",
//        "bucket": "...", "accessKey": "...", "secretKey": "...", "bigSize": N}'
//
// Virtual-host style sends BUCKET.localhost, which this machine's resolver does not know: the
// agent's `lookup` answers 127.0.0.1 for localhost and every *.localhost name (RFC 6761 reserves
// them for loopback), and records each name it was asked, so the test can see which hosts the SDK
// really connected to. No other name is resolved, so no request leaves the machine.

import http from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { nodeSteps } from "./steps.mjs";

const cfg = JSON.parse(process.argv[2]);
const lookups = [];
const requests = [];

function lookup(hostname, options, callback) {
  lookups.push(hostname);
  if (hostname !== "localhost" && !hostname.endsWith(".localhost")) {
    const err = new Error(`refusing to resolve ${hostname}: tests stay on 127.0.0.1`);
    err.code = "ENOTFOUND";
    return callback(err);
  }
  // Node asks for every address ({all: true}) when it may try several families.
  if (options && options.all) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
  return callback(null, "127.0.0.1", 4);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8, lookup });

const s3 = new S3Client({
  endpoint: cfg.endpoint,
  region: "us-east-1",
  forcePathStyle: cfg.style === "path",
  credentials: { accessKeyId: cfg.accessKey, secretAccessKey: cfg.secretKey },
  requestHandler: new NodeHttpHandler({ httpAgent: agent, requestTimeout: 30_000 }),
  maxAttempts: 1,       // a failure is reported as it happened, never retried into a pass
});

// Where each request was sent, as the SDK built it (after endpoint resolution and signing).
s3.middlewareStack.add(
  (next, context) => async (args) => {
    requests.push({ op: context.commandName, host: args.request.hostname,
                    port: args.request.port, path: args.request.path });
    return next(args);
  },
  { step: "finalizeRequest", name: "s3mockRecordRequest", priority: "low" });

// A presigned URL sent with Node's own HTTP client through the same agent.
function request(url, method, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode,
                                    text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error("presigned request timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

let out;
try {
  out = { results: await nodeSteps(s3, cfg.bucket, cfg.bigSize, request) };
} catch (e) {
  out = { error: { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode,
                   code: e.Code, stack: String(e.stack) } };
}
out.requests = requests;
out.lookups = [...new Set(lookups)];
agent.destroy();
process.stdout.write(JSON.stringify(out) + "\n");
