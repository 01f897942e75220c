/**
 * A stand-in for the parts of the `electron` module the host touches, for vitest's
 * `vi.mock('electron', ...)`. Electron's binary cannot run on CI machines without a display
 * (or here at all), so the tests drive these fakes the way Electron would and look at what
 * our code asked of them. Test-only; never imported by shipped code.
 */
import { EventEmitter } from 'node:events';

type Listener = (...args: never[]) => unknown;

export class FakeWebFrame {
  parent: FakeWebFrame | null = null;
  constructor(
    public url: string,
    public processId = 1,
    public frameToken = `frame-${Math.random().toString(36).slice(2)}`,
  ) {}
}

export class FakeSession {
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void, details?: unknown) => void) | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  devicePermissionHandler: ((...args: unknown[]) => boolean) | null = null;
  headersListener: ((details: { url: string; responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void) | null = null;
  setPermissionRequestHandler(h: FakeSession['permissionRequestHandler']) {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheckHandler']) {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: FakeSession['devicePermissionHandler']) {
    this.devicePermissionHandler = h;
  }
  webRequest = {
    onHeadersReceived: (listener: FakeSession['headersListener']) => {
      this.headersListener = listener;
    },
  };
}

export const defaultSession = new FakeSession();
let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  id = nextContentsId++;
  session = defaultSession;
  mainFrame = new FakeWebFrame('');
  sent: Array<[string, ...unknown[]]> = [];
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' | 'allow' }) | null = null;
  setWindowOpenHandler(h: FakeWebContents['windowOpenHandler']) {
    this.windowOpenHandler = h;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push([channel, ...args]);
  }
  getURL() {
    return this.mainFrame.url;
  }
  isDestroyed() {
    return this.destroyed;
  }
  /**
   * Fires a cancellable navigation-style event the way Electron does (details object carrying
   * `url`, then the deprecated positional url); returns true if a listener prevented it.
   */
  fire(name: string, url = ''): boolean {
    let prevented = false;
    const details = { url, preventDefault: () => (prevented = true) };
    this.emit(name, details, url);
    return prevented;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  webContents = new FakeWebContents();
  destroyed = false;
  shown = false;
  focused = 0;
  constructor(public options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string) {
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  show() {
    this.shown = true;
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {
    this.focused++;
  }
  close() {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

export class FakeUtilityProcess extends EventEmitter {
  static forks: Array<{ proc: FakeUtilityProcess; modulePath: string; args: string[]; options: Record<string, unknown> }> = [];
  posted: unknown[] = [];
  killed = false;
  postMessage(message: unknown) {
    this.posted.push(message);
  }
  kill() {
    this.killed = true;
    queueMicrotask(() => this.emit('exit', 0));
    return true;
  }
  /** What the core process would send with process.parentPort.postMessage. */
  fromCore(message: unknown) {
    this.emit('message', message);
  }
  crash(code = 1) {
    this.emit('exit', code);
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  name = 'rollcall';
  paths: Record<string, string> = { userData: '/home/test/.config/rollcall' };
  gotLock = true;
  quitCalls = 0;
  readyResolve!: () => void;
  ready = new Promise<void>((r) => (this.readyResolve = r));
  setName(n: string) {
    this.name = n;
    this.paths.userData = `/home/test/.config/${n}`;
  }
  getPath(name: string) {
    return this.paths[name];
  }
  setPath(name: string, value: string) {
    this.paths[name] = value;
  }
  requestSingleInstanceLock() {
    return this.gotLock;
  }
  whenReady() {
    return this.ready;
  }
  quit() {
    this.quitCalls++;
  }
  exit() {}
}

export const app = new FakeApp();

export class FakeIpcMain {
  handlers = new Map<string, Listener>();
  handle(channel: string, fn: Listener) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
}

export const ipcMain = new FakeIpcMain();

export const shell = {
  opened: [] as string[],
  openExternal(url: string) {
    shell.opened.push(url);
    return Promise.resolve();
  },
};

export const utilityProcess = {
  fork(modulePath: string, args: string[] = [], options: Record<string, unknown> = {}) {
    const proc = new FakeUtilityProcess();
    FakeUtilityProcess.forks.push({ proc, modulePath, args, options });
    return proc;
  },
};

export class FakeIpcRenderer extends EventEmitter {
  invoked: Array<[string, ...unknown[]]> = [];
  reply: (channel: string, ...args: unknown[]) => unknown = () => ({ ok: true, result: null });
  invoke(channel: string, ...args: unknown[]) {
    this.invoked.push([channel, ...args]);
    return Promise.resolve().then(() => this.reply(channel, ...args));
  }
}

export const ipcRenderer = new FakeIpcRenderer();

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown) {
    contextBridge.exposed.set(key, api);
  },
};

/** The module object handed to vi.mock('electron'). */
export const electronModule = {
  app,
  BrowserWindow: FakeBrowserWindow,
  ipcMain,
  shell,
  utilityProcess,
  session: { defaultSession },
  ipcRenderer,
  contextBridge,
};
