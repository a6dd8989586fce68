import { stat } from 'node:fs/promises'
import { listBuildFiles, type BuildFile } from './files.js'

/** File that must be at the root of the build folder. */
export const INDEX_FILE = 'index.html'

/**
 * Lists the build folder after checking that it exists, is a folder, holds
 * at least one file and has `index.html` at its root. Each error names the
 * folder and says what to fix.
 */
export async function checkBuildFolder(
  dir: string,
  label: string,
): Promise<BuildFile[]> {
  let isDirectory: boolean
  try {
    isDirectory = (await stat(dir)).isDirectory()
  } catch {
    throw new Error(
      `The frontend build folder ${label} does not exist. Build the frontend before this step, or fix frontend-dir.`,
    )
  }
  if (!isDirectory) {
    throw new Error(
      `The frontend build folder ${label} is not a folder. Point frontend-dir at the build output folder.`,
    )
  }
  const files = await listBuildFiles(dir)
  if (files.length === 0) {
    throw new Error(
      `The frontend build folder ${label} is empty. Build the frontend before this step, or fix frontend-dir.`,
    )
  }
  if (!files.some((file) => file.relativePath === INDEX_FILE)) {
    throw new Error(
      `The frontend build folder ${label} has no ${INDEX_FILE} at its root (${files.length} files found). Point frontend-dir at the folder that contains ${INDEX_FILE}.`,
    )
  }
  return files
}
