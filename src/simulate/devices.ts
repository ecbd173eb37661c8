/**
 * Devices, browsers and their user agents over time. Shares are assumptions [A] (the US mix leans
 * on the weights of the `user-agents` npm package; the CN mix is built by hand from the vendor
 * families in ua-parser-js's test fixtures). What matters for the evaluation is the mechanics:
 * versions move (Chrome every 4 weeks, iOS yearly),
 * Chrome on Android reports "Android 10; K", apps and in-app browsers keep the model, and
 * Chromium browsers send Client Hints.
 */
import type { ProfileName, SimConfig } from './config.js';
import { DAY_MS } from './config.js';
import type { Rng } from './random.js';

export type DeviceType = 'mobile' | 'tablet' | 'desktop';
export type OsFamily = 'ios' | 'android' | 'windows' | 'macos' | 'chromeos';
export type Browser = 'safari' | 'app' | 'chrome' | 'crios' | 'edge' | 'firefox' | 'samsung' | 'wechat' | 'huawei' | 'miui' | 'heytap' | 'qq';

export interface DeviceModel {
  id: string;
  type: DeviceType;
  os: OsFamily;
  /** Android model code as it appears in full user agents and Sec-CH-UA-Model. */
  code?: string;
  /** Android version the model ships with. */
  androidBase?: number;
  /** Web browsers other than reduced Chrome, by weight (Android) or all browsers (others). */
  browsers: [Browser, number][];
  weight: number;
}

const IOS_WEB_US: [Browser, number][] = [
  ['safari', 0.88],
  ['crios', 0.12],
];
const IOS_WEB_CN: [Browser, number][] = [
  ['safari', 0.5],
  ['wechat', 0.5],
];

function catalog(profile: ProfileName): { primary: DeviceModel[]; secondary: DeviceModel[] } {
  if (profile === 'us') {
    return {
      primary: [
        { id: 'iphone', type: 'mobile', os: 'ios', browsers: IOS_WEB_US, weight: 55 },
        {
          id: 'galaxy-s24',
          type: 'mobile',
          os: 'android',
          code: 'SM-S921U',
          androidBase: 14,
          browsers: [
            ['samsung', 0.8],
            ['firefox', 0.2],
          ],
          weight: 8,
        },
        {
          id: 'galaxy-s23',
          type: 'mobile',
          os: 'android',
          code: 'SM-S911U',
          androidBase: 13,
          browsers: [
            ['samsung', 0.8],
            ['firefox', 0.2],
          ],
          weight: 7,
        },
        {
          id: 'galaxy-a54',
          type: 'mobile',
          os: 'android',
          code: 'SM-A546U',
          androidBase: 13,
          browsers: [
            ['samsung', 0.8],
            ['firefox', 0.2],
          ],
          weight: 6,
        },
        {
          id: 'galaxy-a15',
          type: 'mobile',
          os: 'android',
          code: 'SM-A156U',
          androidBase: 14,
          browsers: [
            ['samsung', 0.8],
            ['firefox', 0.2],
          ],
          weight: 4,
        },
        { id: 'pixel-8', type: 'mobile', os: 'android', code: 'Pixel 8', androidBase: 14, browsers: [['firefox', 1]], weight: 5 },
        { id: 'pixel-7a', type: 'mobile', os: 'android', code: 'Pixel 7a', androidBase: 13, browsers: [['firefox', 1]], weight: 5 },
        { id: 'moto-g', type: 'mobile', os: 'android', code: 'moto g power 5G - 2024', androidBase: 14, browsers: [['firefox', 1]], weight: 5 },
        { id: 'oneplus-12', type: 'mobile', os: 'android', code: 'CPH2581', androidBase: 14, browsers: [['firefox', 1]], weight: 5 },
      ],
      secondary: [
        {
          id: 'windows-pc',
          type: 'desktop',
          os: 'windows',
          browsers: [
            ['chrome', 0.65],
            ['edge', 0.25],
            ['firefox', 0.1],
          ],
          weight: 45,
        },
        {
          id: 'mac',
          type: 'desktop',
          os: 'macos',
          browsers: [
            ['safari', 0.5],
            ['chrome', 0.5],
          ],
          weight: 30,
        },
        { id: 'ipad', type: 'tablet', os: 'ios', browsers: [['safari', 1]], weight: 15 },
        { id: 'chromebook', type: 'desktop', os: 'chromeos', browsers: [['chrome', 1]], weight: 5 },
        { id: 'galaxy-tab', type: 'tablet', os: 'android', code: 'SM-X210', androidBase: 14, browsers: [['samsung', 1]], weight: 5 },
      ],
    };
  }
  const cnAndroid: [Browser, number][] = [
    ['wechat', 0.55],
    ['qq', 0.15],
  ];
  return {
    primary: [
      { id: 'mate-60', type: 'mobile', os: 'android', code: 'ALN-AL00', androidBase: 12, browsers: [...cnAndroid, ['huawei', 0.3]], weight: 15 },
      { id: 'nova-12', type: 'mobile', os: 'android', code: 'BLK-AL00', androidBase: 12, browsers: [...cnAndroid, ['huawei', 0.3]], weight: 10 },
      { id: 'iphone', type: 'mobile', os: 'ios', browsers: IOS_WEB_CN, weight: 20 },
      { id: 'vivo-x100', type: 'mobile', os: 'android', code: 'V2309A', androidBase: 14, browsers: cnAndroid, weight: 9 },
      { id: 'vivo-s18', type: 'mobile', os: 'android', code: 'V2323A', androidBase: 14, browsers: cnAndroid, weight: 7 },
      { id: 'oppo-find-x7', type: 'mobile', os: 'android', code: 'PHZ110', androidBase: 14, browsers: [...cnAndroid, ['heytap', 0.3]], weight: 8 },
      { id: 'oppo-reno-11', type: 'mobile', os: 'android', code: 'PJH110', androidBase: 14, browsers: [...cnAndroid, ['heytap', 0.3]], weight: 7 },
      { id: 'xiaomi-14', type: 'mobile', os: 'android', code: '23127PN0CC', androidBase: 14, browsers: [...cnAndroid, ['miui', 0.3]], weight: 8 },
      { id: 'redmi-k70', type: 'mobile', os: 'android', code: '23113RKC6C', androidBase: 14, browsers: [...cnAndroid, ['miui', 0.3]], weight: 7 },
      { id: 'honor-magic6', type: 'mobile', os: 'android', code: 'BVL-AN00', androidBase: 14, browsers: cnAndroid, weight: 9 },
    ],
    secondary: [
      {
        id: 'windows-pc',
        type: 'desktop',
        os: 'windows',
        browsers: [
          ['chrome', 0.35],
          ['edge', 0.35],
          ['qq', 0.3],
        ],
        weight: 60,
      },
      {
        id: 'mac',
        type: 'desktop',
        os: 'macos',
        browsers: [
          ['safari', 0.5],
          ['chrome', 0.5],
        ],
        weight: 15,
      },
      { id: 'ipad', type: 'tablet', os: 'ios', browsers: [['safari', 1]], weight: 15 },
      { id: 'matepad', type: 'tablet', os: 'android', code: 'BTK-W00', androidBase: 12, browsers: [['huawei', 1]], weight: 10 },
    ],
  };
}

const CATALOGS = { us: catalog('us'), cn: catalog('cn') };

export function deviceCatalog(profile: ProfileName): { primary: DeviceModel[]; secondary: DeviceModel[] } {
  return CATALOGS[profile];
}

/** One physical device as used on the account: model, how it reaches the host, its token. */
export interface Device {
  model: DeviceModel;
  browser: Browser;
  channel: 'app' | 'web';
  /** Host device token (app install id or first-party cookie). */
  token: string;
  /** Days between a release and this device installing it. */
  lagDays: number;
  /** Whether this Android device takes OS upgrades at all. */
  takesOsUpgrades: boolean;
  acquiredAt: number;
  /** Live session until (epoch ms); an SMS login is needed after it. */
  sessionUntil: number;
  /** Last user agent sent from this device (for the L2 label). */
  lastUa?: string;
}

/** Browser and channel for a new device (P8: reduced Chrome on Android; apps; in-app browsers). */
export function chooseChannel(model: DeviceModel, config: SimConfig, rng: Rng): { channel: 'app' | 'web'; browser: Browser } {
  const appShare = config.appShare[model.type];
  if (model.os === 'android') {
    const r = rng.next();
    if (r < config.reducedAndroidShare) return { channel: 'web', browser: 'chrome' };
    if (rng.chance(appShare)) return { channel: 'app', browser: 'app' };
    return { channel: 'web', browser: pickBrowser(model.browsers, rng) };
  }
  if (rng.chance(appShare)) return { channel: 'app', browser: 'app' };
  return { channel: 'web', browser: pickBrowser(model.browsers, rng) };
}

function pickBrowser(browsers: [Browser, number][], rng: Rng): Browser {
  return browsers[rng.weightedIndex(browsers.map(([, weight]) => weight))]![0];
}

export function newDevice(model: DeviceModel, config: SimConfig, rng: Rng, at: number): Device {
  const { channel, browser } = chooseChannel(model, config, rng);
  return {
    model,
    browser,
    channel,
    token: newToken(rng),
    lagDays: rng.exp(config.updateLagDays),
    takesOsUpgrades: rng.chance(0.6),
    acquiredAt: at,
    sessionUntil: at,
  };
}

export function newToken(rng: Rng): string {
  let out = 'dv_';
  for (let i = 0; i < 4; i++)
    out += Math.floor(rng.next() * 0x100000000)
      .toString(36)
      .padStart(7, '0');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Versions over time
// ---------------------------------------------------------------------------------------------

const CHROME_120 = Date.UTC(2023, 11, 5);
const FIREFOX_121 = Date.UTC(2023, 11, 19);
const RELEASE_CYCLE = 28 * DAY_MS;

/** Chrome and Edge ship a major version about every four weeks (Chromium release schedule [U]). */
export function chromeMajor(at: number): number {
  return 120 + Math.floor((at - CHROME_120) / RELEASE_CYCLE);
}

function firefoxMajor(at: number): number {
  return 121 + Math.floor((at - FIREFOX_121) / RELEASE_CYCLE);
}

const IOS_RELEASES = [
  { major: 16, at: Date.UTC(2022, 8, 12) },
  { major: 17, at: Date.UTC(2023, 8, 18) },
  { major: 18, at: Date.UTC(2024, 8, 16) },
  { major: 26, at: Date.UTC(2025, 8, 15) },
];

/** iOS (and Safari) version installed on a device at `at`, given its update lag. */
export function iosVersion(at: number, lagDays: number): { major: number; minor: number } {
  const effective = at - lagDays * DAY_MS;
  let release = IOS_RELEASES[0]!;
  for (const candidate of IOS_RELEASES) if (candidate.at <= effective) release = candidate;
  // A point release about every six weeks.
  const minor = Math.max(0, Math.min(6, Math.floor((effective - release.at) / (42 * DAY_MS))));
  return { major: release.major, minor };
}

function androidVersion(device: Device, at: number): number {
  const base = device.model.androidBase ?? 13;
  if (!device.takesOsUpgrades) return base;
  // Major Android releases land in the autumn; upgrades reach a device after its lag.
  const effective = at - device.lagDays * DAY_MS - 45 * DAY_MS;
  let upgrades = 0;
  for (let year = new Date(device.acquiredAt).getUTCFullYear(); year <= new Date(effective).getUTCFullYear(); year++) {
    const release = Date.UTC(year, 9, 1);
    if (release > device.acquiredAt && release <= effective) upgrades++;
  }
  return base + Math.min(3, upgrades);
}

const monthsSince = (from: number, at: number) => Math.max(0, Math.floor((at - from) / (30.44 * DAY_MS)));

// ---------------------------------------------------------------------------------------------
// User agents and Client Hints
// ---------------------------------------------------------------------------------------------

/** The user agent the device sends at `at`. Browsers update after the device's lag. */
export function userAgentAt(device: Device, at: number): string {
  const effective = at - Math.min(device.lagDays, 14) * DAY_MS;
  const chrome = chromeMajor(effective);
  const { model } = device;
  if (model.os === 'ios') {
    const v = iosVersion(at, device.lagDays);
    // Safari 26 froze the OS version in the user agent at 18_6 [U]; before it the UA tracks iOS.
    const uaOs = v.major >= 26 ? '18_6' : `${v.major}_${v.minor}`;
    const safari = `${v.major}.${v.minor}`;
    const head = model.type === 'tablet' ? `Mozilla/5.0 (iPad; CPU OS ${uaOs} like Mac OS X)` : `Mozilla/5.0 (iPhone; CPU iPhone OS ${uaOs} like Mac OS X)`;
    switch (device.browser) {
      case 'app':
        return `${head} AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148`;
      case 'crios':
        return `${head} AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${chrome}.0.6099.${100 + (chrome % 50)} Mobile/15E148 Safari/604.1`;
      case 'wechat':
        return `${head} AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.${44 + monthsSince(Date.UTC(2024, 0, 1), effective)}(0x18002c2f) NetType/WIFI Language/zh_CN`;
      default:
        return `${head} AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safari} Mobile/15E148 Safari/604.1`;
    }
  }
  if (model.os === 'android') {
    const mobile = model.type === 'mobile' ? 'Mobile ' : '';
    if (device.browser === 'chrome') {
      // User-Agent reduction: every Chrome on Android says "Android 10; K" (Chromium's User-Agent Reduction [V]).
      return `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 ${mobile}Safari/537.36`;
    }
    const av = androidVersion(device, at);
    const code = model.code ?? 'K';
    const build = `Build/${av >= 14 ? 'UP1A' : av === 13 ? 'TP1A' : 'SP1A'}.${231005 + (av % 7)}.${String(7 + (av % 3)).padStart(3, '0')}`;
    const webview = `Mozilla/5.0 (Linux; Android ${av}; ${code} ${build}; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/${chrome}.0.${6099 + chrome}.${80 + (chrome % 40)} ${mobile}Safari/537.36`;
    switch (device.browser) {
      case 'samsung':
        return `Mozilla/5.0 (Linux; Android ${av}; ${code}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${23 + Math.floor(monthsSince(Date.UTC(2023, 9, 1), effective) / 3)}.0 Chrome/${chrome - 4}.0.0.0 ${mobile}Safari/537.36`;
      case 'firefox':
        return `Mozilla/5.0 (Android ${av}; Mobile; rv:${firefoxMajor(effective)}.0) Gecko/${firefoxMajor(effective)}.0 Firefox/${firefoxMajor(effective)}.0`;
      case 'wechat':
        return `${webview} XWEB/${1160000 + 10 * chrome} MMWEBSDK/20240301 MicroMessenger/8.0.${44 + monthsSince(Date.UTC(2024, 0, 1), effective)}.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64`;
      case 'qq':
        return `${webview} MQQBrowser/6.2 TBS/047601 Mobile Safari/537.36 QQ/9.0.${20 + monthsSince(Date.UTC(2024, 0, 1), effective)}`;
      case 'huawei':
        return `Mozilla/5.0 (Linux; Android ${av}; ${code}; HMSCore 6.13.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.5735.196 HuaweiBrowser/${14 + Math.floor(monthsSince(Date.UTC(2024, 0, 1), effective) / 6)}.0.4.312 ${mobile}Safari/537.36`;
      case 'miui':
        return `${webview} XiaoMi/MiuiBrowser/18.${monthsSince(Date.UTC(2024, 0, 1), effective)}.30111`;
      case 'heytap':
        return `${webview} HeyTapBrowser/40.8.${29 + monthsSince(Date.UTC(2024, 0, 1), effective)}.1`;
      default:
        return webview;
    }
  }
  if (model.os === 'windows') {
    if (device.browser === 'firefox')
      return `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${firefoxMajor(effective)}.0) Gecko/20100101 Firefox/${firefoxMajor(effective)}.0`;
    const base = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`;
    if (device.browser === 'edge') return `${base} Edg/${chrome}.0.0.0`;
    if (device.browser === 'qq') return `${base} QQBrowser/12.${monthsSince(Date.UTC(2024, 0, 1), effective)}.0.0`;
    return base;
  }
  if (model.os === 'macos') {
    if (device.browser === 'safari') {
      const v = iosVersion(at, device.lagDays);
      return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v.major}.${v.minor} Safari/605.1.15`;
    }
    return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`;
  }
  return `Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`;
}

const PLATFORM_HINT: Record<OsFamily, string> = { android: 'Android', ios: 'iOS', windows: 'Windows', macos: 'macOS', chromeos: 'Chrome OS' };

/** Chromium browsers send the low-entropy hints; the model only when the host asked for it. */
export function clientHintsAt(device: Device, at: number, withModel: boolean): Record<string, string> | undefined {
  const chromium = device.browser === 'chrome' || device.browser === 'edge' || device.browser === 'samsung';
  if (!chromium || device.model.os === 'ios') return undefined;
  const major = chromeMajor(at - Math.min(device.lagDays, 14) * DAY_MS);
  const brand = device.browser === 'edge' ? 'Microsoft Edge' : device.browser === 'samsung' ? 'Samsung Internet' : 'Google Chrome';
  const hints: Record<string, string> = {
    'sec-ch-ua': `"Chromium";v="${major}", "${brand}";v="${major}", "Not?A_Brand";v="99"`,
    'sec-ch-ua-mobile': device.model.type === 'mobile' ? '?1' : '?0',
    'sec-ch-ua-platform': `"${PLATFORM_HINT[device.model.os]}"`,
  };
  if (withModel) hints['sec-ch-ua-model'] = `"${device.model.code ?? ''}"`;
  return hints;
}

/** The single most common user agent of the population at `at` (what A2 hunters send). */
export function mostCommonDevice(profile: ProfileName): DeviceModel {
  const { primary } = CATALOGS[profile];
  return primary.reduce((best, model) => (model.weight > best.weight ? model : best), primary[0]!);
}
