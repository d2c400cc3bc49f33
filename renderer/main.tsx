import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// Base styles first, so a view's own sheet (imported by the view) can refine them.
import './styles.css';
import { App } from './App.tsx';
import { connectStores } from './stores/feed.ts';
import { useStatusStore } from './stores/status.ts';
import { createTransport } from './transport/index.ts';
import { prefetchMonacoWhenIdle } from './views/reviews/monaco.ts';

// One transport for the page's whole life: it reconnects on its own, and the stores follow its events.
const conn = createTransport();
connectStores(conn);

const root = document.getElementById('root');
if (!root) throw new Error('index.html lost its #root element');
createRoot(root).render(
  <StrictMode>
    <App conn={conn} />
  </StrictMode>,
);

// The first paint never waits for Monaco: once the dashboard has its first status and the page is idle,
// Monaco is fetched in the background, so the first review opens at once.
const offStatus = useStatusStore.subscribe((s) => {
  if (!s.snapshot) return;
  offStatus();
  prefetchMonacoWhenIdle();
});
