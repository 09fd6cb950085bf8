// Entry point of the one-file bundle. Embedding:
//   <script>window.ShopdeskConfig = { serverUrl: "https://bot.example.com", title: "Help" };</script>
//   <script src="https://store.example.com/static/shopdesk-widget.js" async></script>
// or, without the config object, data attributes on the script tag itself
// (data-server-url, data-title, data-greeting, data-locale, data-primary-color, ...).

import { ConfigError, configFromDataset, parseConfig, type WidgetConfig } from "./config";
import { ShopdeskWidget } from "./widget";

declare global {
  interface Window {
    ShopdeskConfig?: unknown;
    Shopdesk?: ShopdeskApi;
  }
}

export interface ShopdeskApi {
  init(config?: unknown): ShopdeskWidget | null;
  readonly widget: ShopdeskWidget | null;
  readonly version: string;
}

const VERSION = "0.1.0";
const script = document.currentScript as HTMLScriptElement | null;
let instance: ShopdeskWidget | null = null;

function init(rawConfig?: unknown): ShopdeskWidget | null {
  if (instance) return instance;
  let config: WidgetConfig;
  try {
    const raw = rawConfig ?? window.ShopdeskConfig ?? configFromDataset(script?.dataset ?? {});
    config = parseConfig(raw);
  } catch (error) {
    // A broken config must never break the host page: report it and stay out of the way.
    if (error instanceof ConfigError) console.error(error.message);
    else console.error("Shopdesk widget failed to start", error);
    return null;
  }
  instance = new ShopdeskWidget(config);
  instance.mount(document.body);
  return instance;
}

const api: ShopdeskApi = {
  init,
  get widget() {
    return instance;
  },
  version: VERSION,
};

if (!window.Shopdesk) {
  window.Shopdesk = api;
  const autoStart = window.ShopdeskConfig !== undefined || script?.hasAttribute("data-server-url");
  if (autoStart) {
    if (document.body) init();
    else document.addEventListener("DOMContentLoaded", () => init(), { once: true });
  }
}
