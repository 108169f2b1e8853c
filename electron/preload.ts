/**
 * The sandboxed preload: exposes exactly the contract's methods as window.perceiver through the
 * context bridge, and nothing of Electron or Node. Bundled by scripts/build-electron.mjs.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createPreloadApi, type Envelope } from './preloadApi.js';

const api = createPreloadApi(
  (channel, method, args) => ipcRenderer.invoke(channel, method, args) as Promise<Envelope>,
  (channel, listener) => {
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
);

contextBridge.exposeInMainWorld('perceiver', api);
