import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

// n8n-core writes its instance settings under N8N_USER_FOLDER when it is first loaded.
process.env.N8N_USER_FOLDER ??= mkdtempSync(join(tmpdir(), 'kirin-n8n-'));
