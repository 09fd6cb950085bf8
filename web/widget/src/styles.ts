// All widget CSS lives inside the shadow root. `:host { all: initial }` stops inherited
// host-page properties (font, colour, line-height, ...) from leaking in; host selectors
// cannot reach inside the shadow tree.

export interface Theme {
  primary: string;
  onPrimary: string;
  background: string;
  text: string;
  accent: string;
}

export function buildCss(theme: Theme, position: "right" | "left"): string {
  return `
:host {
  all: initial;
  --sd-primary: ${theme.primary};
  --sd-on-primary: ${theme.onPrimary};
  --sd-bg: ${theme.background};
  --sd-text: ${theme.text};
  --sd-accent: ${theme.accent};
  --sd-bot-bubble: #eef0f3;
  --sd-bot-text: #111827;
  --sd-muted: #4b5563;
}
*, *::before, *::after { box-sizing: border-box; }
.sd-root {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px;
  line-height: 1.4;
  color: var(--sd-text);
  -webkit-font-smoothing: antialiased;
}
.sd-visually-hidden {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
button { font: inherit; }
:focus-visible { outline: 3px solid var(--sd-accent); outline-offset: 2px; }
.sd-launcher {
  position: fixed; bottom: 20px; ${position}: 20px; z-index: 2147483000;
  width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer;
  background: var(--sd-primary); color: var(--sd-on-primary);
  box-shadow: 0 4px 14px rgba(0,0,0,.25);
  display: flex; align-items: center; justify-content: center;
}
.sd-launcher:focus-visible { outline-color: var(--sd-primary); outline-offset: 4px; }
.sd-launcher svg { width: 28px; height: 28px; fill: currentColor; }
.sd-panel {
  position: fixed; bottom: 92px; ${position}: 20px; z-index: 2147483001;
  width: 370px; height: min(600px, calc(100vh - 112px));
  display: flex; flex-direction: column;
  background: var(--sd-bg); color: var(--sd-text);
  border-radius: 14px; overflow: hidden;
  box-shadow: 0 10px 40px rgba(0,0,0,.28);
}
.sd-panel[hidden] { display: none; }
.sd-header {
  display: flex; align-items: center; gap: 8px; padding: 12px 12px 12px 16px;
  background: var(--sd-primary); color: var(--sd-on-primary);
}
.sd-titles { flex: 1; min-width: 0; }
.sd-title { margin: 0; font-size: 16px; font-weight: 600; }
.sd-subtitle { margin: 2px 0 0; font-size: 13px; }
.sd-close {
  width: 44px; height: 44px; border: 0; border-radius: 8px; cursor: pointer;
  background: transparent; color: var(--sd-on-primary); font-size: 26px; line-height: 1;
}
.sd-close:focus-visible { outline-color: var(--sd-on-primary); outline-offset: -4px; }
.sd-status {
  padding: 8px 16px; font-size: 13px; background: #fef3c7; color: #78350f;
  border-bottom: 1px solid #fcd34d;
}
.sd-status:empty { display: none; }
.sd-team { padding: 8px 16px; font-size: 13px; background: #ecfdf5; color: #065f46; border-bottom: 1px solid #a7f3d0; }
.sd-team[hidden] { display: none; }
.sd-launcher { overflow: visible; }
.sd-badge {
  position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; background: #b91c1c; color: #ffffff; font-size: 12px; font-weight: 700;
  line-height: 22px; text-align: center; box-shadow: 0 0 0 2px #ffffff;
}
.sd-badge[hidden] { display: none; }
.sd-author { font-size: 12px; color: var(--sd-muted); margin: 0 0 2px 4px; }
.sd-log {
  flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px;
  overscroll-behavior: contain;
}
.sd-msg { display: flex; flex-direction: column; max-width: 85%; }
.sd-msg-bot { align-self: flex-start; }
.sd-msg-user { align-self: flex-end; align-items: flex-end; }
.sd-bubble {
  padding: 9px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere;
}
.sd-msg-bot .sd-bubble { background: var(--sd-bot-bubble); color: var(--sd-bot-text); border-bottom-left-radius: 4px; }
.sd-msg-user .sd-bubble { background: var(--sd-primary); color: var(--sd-on-primary); border-bottom-right-radius: 4px; }
.sd-msg-agent .sd-bubble { background: #e0f2fe; color: #0c4a6e; }
.sd-msg-bot a { color: #1e40af; text-decoration: underline; }
.sd-msg-user a { color: inherit; text-decoration: underline; }
.sd-msg img { max-width: 100%; border-radius: 10px; margin-top: 4px; }
.sd-note { font-size: 12px; color: var(--sd-muted); margin-top: 2px; }
.sd-msg-pending .sd-bubble { outline: 2px dashed var(--sd-accent); outline-offset: 2px; }
.sd-replies { display: flex; flex-wrap: wrap; gap: 6px; margin: 2px 0 4px; padding: 0; border: 0; }
.sd-reply {
  min-height: 40px; padding: 8px 14px; border-radius: 20px; cursor: pointer;
  border: 1.5px solid var(--sd-accent); background: var(--sd-bg); color: var(--sd-accent);
}
.sd-reply:hover { background: var(--sd-bot-bubble); }
.sd-typing { align-self: flex-start; padding: 12px 14px; border-radius: 14px; background: var(--sd-bot-bubble); display: flex; gap: 4px; }
.sd-typing[hidden] { display: none; }
.sd-typing span.sd-dot {
  width: 7px; height: 7px; border-radius: 50%; background: #4b5563; animation: sd-bounce 1.2s infinite ease-in-out;
}
.sd-typing span.sd-dot:nth-child(2) { animation-delay: .15s; }
.sd-typing span.sd-dot:nth-child(3) { animation-delay: .3s; }
@keyframes sd-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .5; } 40% { transform: translateY(-4px); opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .sd-typing span.sd-dot { animation: none; } }
.sd-form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d1d5db; background: var(--sd-bg); }
.sd-input {
  flex: 1; min-width: 0; min-height: 44px; padding: 10px 12px; font: inherit; font-size: 16px;
  color: #111827; background: #ffffff; border: 1.5px solid #6b7280; border-radius: 10px;
}
.sd-input::placeholder { color: #6b7280; }
.sd-send {
  min-width: 64px; min-height: 44px; padding: 0 14px; border: 0; border-radius: 10px; cursor: pointer;
  background: var(--sd-primary); color: var(--sd-on-primary); font-weight: 600;
}
.sd-send:focus-visible { outline-color: var(--sd-primary); }
@media (max-width: 480px) {
  .sd-panel { inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }
  .sd-root.sd-open .sd-launcher { display: none; }
}
`;
}
