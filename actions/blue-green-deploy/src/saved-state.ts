/**
 * Names of the values the main step saves for the post step
 * (core.saveState). An empty value means there is nothing to clean up.
 */

/** The deploy lock while the main step holds it, as JSON. */
export const STATE_LOCK = 'lock'

/** The deployment state while traffic is split before the final shift, as JSON. */
export const STATE_WEIGHTS = 'deployment'
