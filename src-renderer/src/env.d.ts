/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

interface Window {
  /** Present only inside Electron, where the preload exposes it. */
  rollcall?: import('../../src-main/contract/bridge').RollcallBridge;
}
