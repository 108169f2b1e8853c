import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
// After styles.css: the light theme overrides its variables; applied before the first paint.
import './theme/theme';
import { takeHostSecret } from './api';
import { App } from './App';
import { createTemplateDoc, DEFAULT_TEMPLATE_NAME } from './defaultDoc';
import { initStore } from './state/store';
import { restoreAfterReload } from './session/session';

// The web host's key leaves the address bar before anything else runs (see api.ts).
takeHostSecret();
initStore(createTemplateDoc(), { fileName: DEFAULT_TEMPLATE_NAME });
// A reload (or Electron's reload after a renderer crash) reopens this window's tabs as they were.
restoreAfterReload();
createRoot(document.getElementById('root')!).render(<App />);
