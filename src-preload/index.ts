/**
 * The preload of the console window (built to out/preload/index.cjs: sandboxed preloads must
 * be CommonJS and may only require 'electron'). It exposes `window.rollcall` with exactly
 * `invoke` and `on`; see create-bridge.ts.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './create-bridge';

contextBridge.exposeInMainWorld('rollcall', createBridge(ipcRenderer));
