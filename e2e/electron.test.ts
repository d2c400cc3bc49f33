import { uiSuite } from './suite.ts';
import { electronTarget } from './targets/electron.ts';

// The same stories as the web target, told by the desktop shell. Run with `npm run e2e:electron`.
uiSuite(electronTarget());
