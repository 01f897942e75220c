import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../../contract/bridge';
import type { RpcResult } from '../../contract/bridge';
import type { ApiErrorShape } from '../../contract/errors';

/** Whatever runs calls in the core; the supervisor in production. */
export interface CoreCaller {
  call(name: string, args: unknown): Promise<RpcResult>;
}

export interface IpcBridgeOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  core: CoreCaller;
  /** True only for the webContents of windows this app created for the console. */
  isOurContents(contents: WebContents): boolean;
  /** True only for our console page (see app-url.ts). */
  isAppUrl(url: string): boolean;
  log?(message: string): void;
}

/** `domain.verb` (or deeper); anything else is not a call name and never reaches the core. */
const CALL_NAME = /^[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)+$/;
const MAX_NAME_LENGTH = 100;

/**
 * Decides whether an IPC message may drive the core: it must come from the top frame of one of
 * our windows while that frame shows our console. A subframe, a window that navigated away,
 * or any other webContents (devtools extensions, a future auxiliary window) is refused.
 * Returns the refusal, or null when the sender is ours.
 */
export function checkSender(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  opts: Pick<IpcBridgeOptions, 'isOurContents' | 'isAppUrl'>,
): ApiErrorShape | null {
  const forbidden = (why: string): ApiErrorShape => ({ code: 'forbidden', message: `This request was refused: ${why}.` });
  const frame = event.senderFrame;
  if (!frame) return forbidden('the page that sent it is gone');
  if (!opts.isOurContents(event.sender)) return forbidden('it did not come from a Rollcall window');
  const main = event.sender.mainFrame;
  if (frame.parent !== null || frame.processId !== main.processId || frame.frameToken !== main.frameToken) {
    return forbidden('it came from an embedded frame');
  }
  if (!opts.isAppUrl(frame.url)) return forbidden('it came from a page that is not the Rollcall console');
  return null;
}

/**
 * Wires the one invoke channel. Every answer is an RpcResult envelope: errors never cross IPC
 * as exceptions, so the renderer always gets a code and a message it can show.
 */
export function installIpcBridge(opts: IpcBridgeOptions): { dispose(): void } {
  const log = opts.log ?? ((m: string) => console.warn(m));
  opts.ipcMain.handle(IPC_INVOKE, async (event, name: unknown, args: unknown): Promise<RpcResult> => {
    const refused = checkSender(event, opts);
    if (refused) {
      log(`[rollcall] refused an IPC call from ${describeSender(event)}: ${refused.message}`);
      return { ok: false, error: refused };
    }
    if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH || !CALL_NAME.test(name)) {
      return { ok: false, error: { code: 'unknown_call', message: `There is no call named ${String(name).slice(0, 80)}.` } };
    }
    try {
      return await opts.core.call(name, args);
    } catch (err) {
      // CoreCaller promises not to throw; this keeps the promise even if a future one does.
      return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
    }
  });
  return { dispose: () => opts.ipcMain.removeHandler(IPC_INVOKE) };
}

/** Something that holds a webContents, such as a BrowserWindow. */
export interface HasWebContents {
  readonly webContents: WebContents;
  isDestroyed(): boolean;
}

/** Pushes one core event to every live window that is showing the console. */
export function broadcastEvent(
  windows: Iterable<HasWebContents>,
  isAppUrl: (url: string) => boolean,
  name: string,
  payload: unknown,
): void {
  for (const win of windows) {
    if (win.isDestroyed() || win.webContents.isDestroyed()) continue;
    // A window that somehow left our page must not keep receiving the building's data.
    if (!isAppUrl(win.webContents.getURL())) continue;
    win.webContents.send(IPC_EVENT, name, payload);
  }
}

function describeSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): string {
  const url = event.senderFrame?.url ?? '(gone)';
  return url.length > 120 ? `${url.slice(0, 120)}…` : url;
}
