// Where the resilience tests take the action bundles from: actions/<name>
// of this checkout, or KIT_RESILIENCE_ACTIONS, a folder holding copies of
// the action folders (action.yml and dist/), for example a release to test.
import path from 'node:path'

/** Returns the action argument for runBundle and inputEnv: its name, or an absolute folder. */
export function bundleAction(name: string): string {
  const root = process.env.KIT_RESILIENCE_ACTIONS
  return root ? path.resolve(root, name) : name
}
