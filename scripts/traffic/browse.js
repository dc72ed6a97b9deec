// Drive Debian's Chromium (never a downloaded browser) for web and video
// sessions.  Usage: node browse.js '<json spec>'
//   {mode:"web", pages:[{url, think_s}], http2:true}
//   {mode:"hls"|"dash", manifest, duration_s, buffer_s, http2:true}
const NODE = process.env.FM_NODE_MODULES || '/var/cache/flowmark-traffic/node/node_modules';
const { chromium } = require(NODE + '/playwright-core');
const path = require('path');
const fs = require('fs');
const os = require('os');

const spec = JSON.parse(process.argv[2]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-chromium-'));
  const args = ['--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--autoplay-policy=no-user-gesture-required',
    '--disable-features=DnsOverHttps,MediaRouter,OptimizationHints',
    '--mute-audio'];
  if (!spec.http2) args.push('--disable-http2');
  if (!spec.quic) args.push('--disable-quic');
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: '/usr/bin/chromium', headless: true, args,
    viewport: { width: spec.width || 1280, height: spec.height || 800 },
  });
  const out = { ok: true, events: [] };
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    if (spec.mode === 'web') {
      for (const p of spec.pages) {
        try {
          await page.goto(p.url, { waitUntil: 'load', timeout: 45000 });
          out.events.push(['load', p.url]);
        } catch (e) { out.events.push(['err', p.url, String(e).slice(0, 120)]); }
        await sleep(p.think_s * 1000);
      }
    } else {
      const lib = spec.mode === 'hls'
        ? NODE + '/hls.js/dist/hls.min.js' : NODE + '/dashjs/dist/dash.all.min.js';
      await page.setContent('<html><body><video id="v" muted autoplay playsinline width="640" height="360"></video></body></html>');
      await page.addScriptTag({ path: lib });
      await page.evaluate(([mode, url, buf]) => {
        const v = document.getElementById('v');
        window.__ev = [];
        if (mode === 'hls') {
          const h = new Hls({ maxBufferLength: buf, maxMaxBufferLength: buf * 2, startLevel: -1 });
          h.on(Hls.Events.LEVEL_SWITCHED, (_e, d) => window.__ev.push('level ' + d.level));
          h.on(Hls.Events.ERROR, (_e, d) => window.__ev.push('error ' + d.details));
          h.loadSource(url); h.attachMedia(v);
        } else {
          const p = dashjs.MediaPlayer().create();
          p.updateSettings({ streaming: { buffer: { bufferTimeAtTopQuality: buf, bufferTimeAtTopQualityLongForm: buf, stableBufferTime: Math.min(buf, 20) } } });
          p.on('qualityChangeRendered', (e) => window.__ev.push('quality ' + e.mediaType + ' ' + e.newQuality));
          p.on('error', (e) => window.__ev.push('error ' + JSON.stringify(e.error).slice(0, 80)));
          p.initialize(v, url, true);
        }
        v.play().catch(() => {});
      }, [spec.mode, spec.manifest, spec.buffer_s || 30]);
      await sleep(spec.duration_s * 1000);
      out.events = await page.evaluate(() => window.__ev.concat(['t=' + document.getElementById('v').currentTime.toFixed(1)]));
    }
  } catch (e) {
    out.ok = false; out.error = String(e).slice(0, 300);
  }
  await ctx.close();
  fs.rmSync(udd, { recursive: true, force: true });
  console.log(JSON.stringify(out));
})();
