// The base images a cluster volume keeps for point-in-time restore (and, for MariaDB, for a
// Backtrack that rebuilds): full copies named `base-<ms>`, in one directory per cluster. The
// volume's log from an image on, replayed onto it, gives any later second. Both data planes
// keep them the same way; only the copy (and how it is checked) is the engine's.
import fs from 'node:fs/promises';
import path from 'node:path';

const IMAGE = /^base-(\d+)$/;

/**
 * Takes the first image unless one exists. Written under a temporary name, so a half-copied
 * image (the writer stopped under it) is never used. Named for when the copy started, or, when
 * the copy may hold commits up to its end (so it serves only later seconds), when it completed.
 */
export async function takeFirstBaseImage(dir: string, copy: (targetDir: string) => Promise<unknown>, namedFor: 'start' | 'completion'): Promise<void> {
  if ((await fs.readdir(dir).catch(() => [] as string[])).some((entry) => IMAGE.test(entry))) return;
  await fs.mkdir(dir, { recursive: true });
  const started = Date.now();
  const partial = path.join(dir, `base-${started}.partial`);
  try {
    await copy(partial);
    await fs.rename(partial, path.join(dir, `base-${namedFor === 'start' ? started : Date.now()}`));
  } catch (error) {
    await fs.rm(partial, { recursive: true, force: true });
    throw error;
  }
}

/** The newest image (one of `dir`'s, or `snapshot`) taken at or before `at` that `isImage` accepts. */
export async function newestImageBefore(
  dir: string,
  at: Date,
  isImage: (imageDir: string) => Promise<boolean>,
  snapshot?: { dir: string; takenAt: Date },
): Promise<string | undefined> {
  const candidates: { dir: string; takenAt: number }[] = [];
  if (snapshot && (await isImage(snapshot.dir))) candidates.push({ dir: snapshot.dir, takenAt: snapshot.takenAt.getTime() });
  for (const entry of await fs.readdir(dir).catch(() => [] as string[])) {
    const takenAt = Number(IMAGE.exec(entry)?.[1]);
    if (takenAt && (await isImage(path.join(dir, entry)))) candidates.push({ dir: path.join(dir, entry), takenAt });
  }
  return candidates.filter((c) => c.takenAt <= at.getTime()).sort((a, b) => b.takenAt - a.takenAt)[0]?.dir;
}
