import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium (nothing downloads a browser); PARZEN_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.PARZEN_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the browser tests skip, or false when they run. Locally a missing chromium skips them with this message; in CI
 * (CI=true) it is an error, so they never skip silently there (.ci/run installs Debian's chromium).
 */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but there is no chromium at ${CHROMIUM}: .ci/run must apt-get install chromium`);
  return `no chromium at ${CHROMIUM} (apt-get install chromium, or set PARZEN_CHROMIUM); skipping the browser tests`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
