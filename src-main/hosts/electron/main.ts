/**
 * Entry point of the desktop app (built to out/main/index.js). Everything testable lives in
 * electron-host.ts; this file only says where the built files are and starts it.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runElectronHost } from './electron-host';

runElectronHost({ mainDir: dirname(fileURLToPath(import.meta.url)) });
