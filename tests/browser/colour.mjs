// Colour is never the only signal, and the colours that do signal stay apart for colour-blind
// students: the reply-class colours (2xx, 3xx, 4xx, 5xx) and the outcome colours (ok, warning,
// down) of both palettes, as the page reports them (relaylab.palette()), are passed through
// Machado, Oliveira & Fernandes (2009) simulations of protanopia and deuteranopia (severity
// 1.0, applied in linear RGB) and compared pairwise with CIEDE2000. The same simulation is
// applied to screenshots of the page (kept with RELAYLAB_SHOTS, for looking at by eye).
//
// Usable alone as well: node tests/browser/colour.mjs build/web  (prints the table).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPage, assert } from './harness.mjs';

// Machado et al. 2009, Table 1 (severity 1.0), for linear RGB.
export const MACHADO = {
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
};

const toLinear = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
const toSrgb = (l) => {
  l = Math.min(1, Math.max(0, l));
  return 255 * (l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055);
};

export function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function simulate(rgb, matrix) {
  if (!matrix) return rgb;
  const l = rgb.map(toLinear);
  return matrix.map((row) => toSrgb(row[0] * l[0] + row[1] * l[1] + row[2] * l[2]));
}

function lab(rgb) {
  const [r, g, b] = rgb.map(toLinear);
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
  const z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

// CIEDE2000 (Sharma, Wu & Dalal 2005), kL = kC = kH = 1.
export function deltaE2000(rgb1, rgb2) {
  const [L1, a1, b1] = lab(rgb1), [L2, a2, b2] = lab(rgb2);
  const rad = Math.PI / 180;
  const C1 = Math.hypot(a1, b1), C2 = Math.hypot(a2, b2), Cm = (C1 + C2) / 2;
  const G = 0.5 * (1 - Math.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)));
  const ap1 = (1 + G) * a1, ap2 = (1 + G) * a2;
  const Cp1 = Math.hypot(ap1, b1), Cp2 = Math.hypot(ap2, b2);
  const hue = (b, a) => { if (a === 0 && b === 0) return 0; const h = Math.atan2(b, a) / rad; return h < 0 ? h + 360 : h; };
  const hp1 = hue(b1, ap1), hp2 = hue(b2, ap2);
  const dL = L2 - L1, dC = Cp2 - Cp1;
  let dh = 0;
  if (Cp1 * Cp2 !== 0) { dh = hp2 - hp1; if (dh > 180) dh -= 360; else if (dh < -180) dh += 360; }
  const dH = 2 * Math.sqrt(Cp1 * Cp2) * Math.sin(dh * rad / 2);
  const Lm = (L1 + L2) / 2, Cpm = (Cp1 + Cp2) / 2;
  let hm = hp1 + hp2;
  if (Cp1 * Cp2 !== 0) {
    if (Math.abs(hp1 - hp2) > 180) hm += hp1 + hp2 < 360 ? 360 : -360;
    hm /= 2;
  }
  const T = 1 - 0.17 * Math.cos((hm - 30) * rad) + 0.24 * Math.cos(2 * hm * rad) +
            0.32 * Math.cos((3 * hm + 6) * rad) - 0.20 * Math.cos((4 * hm - 63) * rad);
  const dTheta = 30 * Math.exp(-(((hm - 275) / 25) ** 2));
  const Rc = 2 * Math.sqrt(Cpm ** 7 / (Cpm ** 7 + 25 ** 7));
  const Sl = 1 + 0.015 * (Lm - 50) ** 2 / Math.sqrt(20 + (Lm - 50) ** 2);
  const Sc = 1 + 0.045 * Cpm, Sh = 1 + 0.015 * Cpm * T;
  const Rt = -Math.sin(2 * dTheta * rad) * Rc;
  return Math.sqrt((dL / Sl) ** 2 + (dC / Sc) ** 2 + (dH / Sh) ** 2 + Rt * (dC / Sc) * (dH / Sh));
}

// The colour groups that must stay apart from each other.
export const GROUPS = {
  'reply classes': ['reply_2xx', 'reply_3xx', 'reply_4xx', 'reply_5xx'],
  outcomes: ['ok', 'warn', 'down'],
};
// CIEDE2000 ≈ 10 is "clearly different at a glance"; the symbols (✓ → … ✗) carry the
// meaning as well, so this is the floor for the colour alone.
export const MIN_DELTA_E = 10;

// Pairwise differences for one palette: [{ vision, group, a, b, dE }].
export function pairwise(colours) {
  const out = [];
  for (const [vision, matrix] of [['normal', null], ['protanopia', MACHADO.protanopia], ['deuteranopia', MACHADO.deuteranopia]])
    for (const [group, keys] of Object.entries(GROUPS))
      for (let i = 0; i < keys.length; i++)
        for (let j = i + 1; j < keys.length; j++) {
          const a = simulate(hexRgb(colours[keys[i]]), matrix), b = simulate(hexRgb(colours[keys[j]]), matrix);
          out.push({ vision, group, a: keys[i], b: keys[j], dE: deltaE2000(a, b) });
        }
  return out;
}

// A screenshot with a colour-vision simulation applied (in a page: canvas pixels).
export async function simulateScreenshot(browser, png, matrix) {
  const page = await browser.newPage();
  const b64 = await page.evaluate(async ({ b64, m }) => {
    const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
    const bitmap = await createImageBitmap(blob);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const img = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    const lin = new Float32Array(256);
    for (let i = 0; i < 256; i++) { const c = i / 255; lin[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; }
    const enc = (l) => { l = Math.min(1, Math.max(0, l)); return 255 * (l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055); };
    const d = img.data;
    for (let i = 0; i < d.length; i += 4) {
      const r = lin[d[i]], g = lin[d[i + 1]], b = lin[d[i + 2]];
      d[i] = enc(m[0][0] * r + m[0][1] * g + m[0][2] * b);
      d[i + 1] = enc(m[1][0] * r + m[1][1] * g + m[1][2] * b);
      d[i + 2] = enc(m[2][0] * r + m[2][1] * g + m[2][2] * b);
    }
    ctx.putImageData(img, 0, 0);
    const out = await canvas.convertToBlob({ type: 'image/png' });
    const bytes = new Uint8Array(await out.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, { b64: png.toString('base64'), m: matrix });
  await page.close();
  return Buffer.from(b64, 'base64');
}

export function colourTests({ browser, url, figures }) {
  return [
    ['colour-blind check: reply-class and outcome colours stay apart under protanopia and deuteranopia', async () => {
      const { page, errors } = await openPage(browser, url + '#scenario=greylisting&step=60', { width: 1366, height: 768 });
      const pal = await page.evaluate(() => window.relaylab.palette());
      const worst = [];
      for (const [name, colours] of Object.entries(pal)) {
        const rows = pairwise(colours);
        for (const vision of ['normal', 'protanopia', 'deuteranopia']) {
          const mine = rows.filter((r) => r.vision === vision);
          const min = mine.reduce((m, r) => (r.dE < m.dE ? r : m));
          figures.lines.push(`colour ${name} ${vision}: ` + mine.map((r) => `${r.a.replace('reply_', '')}/${r.b.replace('reply_', '')} ${r.dE.toFixed(1)}`).join(', '));
          worst.push({ name, vision, ...min });
        }
      }
      if (figures.shotDir) {
        for (const contrast of [false, true]) {
          await page.evaluate((on) => window.relaylab.setHighContrast(on), contrast);
          await page.mouse.move(5, 760);
          await page.waitForTimeout(300);
          const shot = await page.screenshot();
          const tag = contrast ? 'contrast' : 'normal';
          fs.writeFileSync(path.join(figures.shotDir, `colour-${tag}.png`), shot);
          for (const [vision, m] of Object.entries(MACHADO))
            fs.writeFileSync(path.join(figures.shotDir, `colour-${tag}-${vision}.png`), await simulateScreenshot(browser, shot, m));
        }
      }
      for (const w of worst)
        assert(w.dE >= MIN_DELTA_E, `${w.name} palette under ${w.vision}: ${w.a} and ${w.b} differ by ΔE00 ${w.dE.toFixed(1)} < ${MIN_DELTA_E}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await page.close();
    }],
  ];
}

// Standalone: print the table for build/web (or the directory given).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { serveDirectory, launchChromium } = await import('./harness.mjs');
  const dir = path.resolve(process.argv[2] || 'build/web');
  const { server, url } = await serveDirectory(dir);
  const { browser, cleanup } = await launchChromium();
  const figures = { lines: [], shotDir: process.env.RELAYLAB_SHOTS || null };
  try {
    const [[, run]] = colourTests({ browser, url, figures });
    await run().catch((e) => console.log('FAIL ' + e.message));
    console.log(figures.lines.join('\n'));
  } finally {
    await browser.close();
    cleanup();
    server.close();
  }
}
