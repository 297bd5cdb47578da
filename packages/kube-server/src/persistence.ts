/* Optional persistence: the whole store as one JSON file, written atomically (debounced) and loaded at start. */
import fs from 'node:fs';
import path from 'node:path';
import type { ApiCore } from './api';
import type { CRD } from './validation';

type Obj = Record<string, any>;

interface DataFile {
  resourceVersion: number;
  objects: Array<{ gr: string; object: Obj }>;
}

/** Loads `file` into the store if it exists; returns whether anything was loaded. */
export function loadDataFile(api: ApiCore, file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as DataFile;
  const crds = data.objects.filter(
    o => o.gr === 'customresourcedefinitions.apiextensions.k8s.io',
  );
  for (const { object } of crds) api.registerCrd(object as CRD);
  for (const { gr, object } of data.objects) api.store.load(gr, object);
  api.store.bumpTo(data.resourceVersion);
  return true;
}

function writeAtomically(file: string, api: ApiCore) {
  const data: DataFile = {
    resourceVersion: api.store.resourceVersion,
    objects: api.store.all(),
  };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data));
  fs.renameSync(tmp, file);
}

/** Saves the store to `file` after changes (debounced by `delayMs`); the returned function flushes and detaches. */
export function persistTo(
  api: ApiCore,
  file: string,
  delayMs = 200,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;
  const flush = () => {
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    writeAtomically(file, api);
  };
  const unsubscribe = api.store.subscribe(() => {
    dirty = true;
    timer ??= setTimeout(flush, delayMs);
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    flush();
  };
}
