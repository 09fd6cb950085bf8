// Host-page configuration: validated once, so everything downstream can trust its shape.
// Colours are restricted to hex so a config value can never inject CSS.

export interface WidgetColors {
  primary: string;
  background: string;
}

export interface WidgetConfig {
  serverUrl: string;
  socketPath: string;
  title: string;
  subtitle: string;
  greeting: string | null;
  locale: string;
  colors: WidgetColors;
  identityToken: string | null;
  storageKey: string;
  openOnLoad: boolean;
  position: "right" | "left";
  /** Domains whose links are shown as links (besides the store page's own host). */
  linkDomains: string[];
}

/** Carriers whose tracking pages the assistant links to; `linkDomains` replaces this list. */
export const CARRIER_DOMAINS = [
  "ups.com",
  "fedex.com",
  "dhl.com",
  "dhl.de",
  "usps.com",
  "royalmail.com",
  "parcelforce.com",
  "dpd.co.uk",
  "dpd.com",
  "evri.com",
  "gls-group.eu",
  "postnl.nl",
  "canadapost-postescanada.ca",
  "auspost.com.au",
];

export class ConfigError extends Error {}

export const DEFAULTS: WidgetConfig = {
  serverUrl: "http://127.0.0.1:5005",
  socketPath: "/socket.io/",
  title: "Shop assistant",
  subtitle: "",
  greeting: null,
  // empty: the page's <html lang> decides (widget.ts), else English
  locale: "",
  colors: { primary: "#1d4ed8", background: "#ffffff" },
  identityToken: null,
  storageKey: "shopdesk",
  openOnLoad: false,
  position: "right",
  linkDomains: CARRIER_DOMAINS,
};

const HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

type Raw = Record<string, unknown>;

function str(raw: Raw, key: string, fallback: string): string {
  const value = raw[key];
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "string") throw new ConfigError(`Shopdesk widget: "${key}" must be a string`);
  return value;
}

function colour(raw: Raw, key: keyof WidgetColors, fallback: string): string {
  const value = raw[key];
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "string" || !HEX_COLOUR.test(value)) {
    throw new ConfigError(`Shopdesk widget: colors.${key} must be a hex colour like #1d4ed8`);
  }
  return value;
}

function serverUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`Shopdesk widget: "serverUrl" is not a URL: ${value}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`Shopdesk widget: "serverUrl" must be http(s): ${value}`);
  }
  return url.origin;
}

function domains(raw: Raw, key: string, fallback: string[]): string[] {
  let value = raw[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === "string") value = value.split(",").map((d) => d.trim()).filter(Boolean);
  if (!Array.isArray(value)) throw new ConfigError(`Shopdesk widget: "${key}" must be a list of domain names`);
  return value.map((domain) => {
    const name = typeof domain === "string" ? domain.trim().toLowerCase() : "";
    if (!DOMAIN_NAME.test(name)) {
      throw new ConfigError(`Shopdesk widget: "${key}" has an entry that is not a domain name: ${String(domain)}`);
    }
    return name;
  });
}

/** Validate a host-page config object, filling in defaults. Throws ConfigError naming the bad key. */
export function parseConfig(input: unknown): WidgetConfig {
  const raw: Raw = input && typeof input === "object" ? (input as Raw) : {};
  const rawColours: Raw =
    raw.colors && typeof raw.colors === "object" ? (raw.colors as Raw) : {};
  const token = str(raw, "identityToken", "");
  const position = str(raw, "position", DEFAULTS.position);
  if (position !== "right" && position !== "left") {
    throw new ConfigError('Shopdesk widget: "position" must be "right" or "left"');
  }
  const greeting = str(raw, "greeting", "");
  return {
    serverUrl: serverUrl(str(raw, "serverUrl", DEFAULTS.serverUrl)),
    socketPath: str(raw, "socketPath", DEFAULTS.socketPath),
    title: str(raw, "title", DEFAULTS.title),
    subtitle: str(raw, "subtitle", DEFAULTS.subtitle),
    greeting: greeting || null,
    locale: str(raw, "locale", DEFAULTS.locale),
    colors: {
      primary: colour(rawColours, "primary", DEFAULTS.colors.primary),
      background: colour(rawColours, "background", DEFAULTS.colors.background),
    },
    // A malformed token is dropped here; a well-formed one is still only a claim that
    // the action server verifies (signature, issuer, expiry) before trusting it.
    identityToken: JWT_SHAPE.test(token) ? token : null,
    storageKey: str(raw, "storageKey", DEFAULTS.storageKey),
    openOnLoad: raw.openOnLoad === true,
    position,
    linkDomains: domains(raw, "linkDomains", DEFAULTS.linkDomains),
  };
}

/** Read `data-*` attributes of the embedding <script> tag into a raw config object. */
export function configFromDataset(dataset: Record<string, string | undefined>): Raw {
  const raw: Raw = {};
  const keys = [
    "serverUrl",
    "socketPath",
    "title",
    "subtitle",
    "greeting",
    "locale",
    "identityToken",
    "storageKey",
    "position",
    "linkDomains",
  ];
  for (const key of keys) {
    if (dataset[key] !== undefined) raw[key] = dataset[key];
  }
  const colors: Raw = {};
  if (dataset.primaryColor !== undefined) colors.primary = dataset.primaryColor;
  if (dataset.backgroundColor !== undefined) colors.background = dataset.backgroundColor;
  raw.colors = colors;
  if (dataset.openOnLoad !== undefined) raw.openOnLoad = dataset.openOnLoad === "true";
  return raw;
}
