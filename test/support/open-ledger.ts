// Opens (and so migrates) the ledger at argv[2]; several at once must all succeed.
import { Ledger } from '../../electron/core/store/ledger.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: open-ledger <db>');
new Ledger(path).close();
