// Uploads one file with tus-js-client, as a new user of the API would, and prints one JSON line:
// {"ok":true,"url":…,"video_id":…,"patches":N} or {"ok":false,"status":…,"body":…}.
// Usage: node tus-upload.mjs ENDPOINT FILE CHUNK_SIZE [wrong-checksum-on-first-patch]
import { readFileSync } from 'node:fs';
import * as tus from 'tus-js-client';

const [endpoint, file, chunkSize, mode] = process.argv.slice(2);
const data = readFileSync(file);
let patches = 0;
let videoId = null;

const upload = new tus.Upload(data, {
  endpoint,
  chunkSize: Number(chunkSize),
  retryDelays: [],
  metadata: { filename: 'js-client.mp4', filetype: 'video/mp4' },
  onBeforeRequest(req) {
    if (req.getMethod() === 'PATCH') {
      patches++;
      if (mode === 'wrong-checksum-on-first-patch' && patches === 1) {
        req.setHeader('Upload-Checksum', 'sha1 ' + Buffer.from('not the digest of this chunk').toString('base64'));
      }
    }
  },
  onAfterResponse(req, res) {
    const id = res.getHeader('Video-Id');
    if (id) videoId = id;
  },
  onError(err) {
    const res = err.originalResponse;
    console.log(JSON.stringify({ ok: false, status: res ? res.getStatus() : null,
      body: res ? res.getBody() : String(err), patches }));
    process.exit(0);
  },
  onSuccess() {
    console.log(JSON.stringify({ ok: true, url: upload.url, video_id: videoId, patches }));
    process.exit(0);
  },
});
upload.start();
