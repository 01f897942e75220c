/**
 * V8 settings for the core's own process (Electron utilityProcess or the browser host's child
 * process). Left alone, V8 sizes the young generation from the machine's memory (192 MB on a
 * 24 GB machine), and a 100k-person first pass fills it with short-lived objects that stay
 * resident: ~90 MB more peak memory for no measurable speed. 8 MB semi-spaces (a 24 MB young
 * generation) were measured with `npm run bench`, which gives its engine thread the same limit.
 */
export const CORE_SEMI_SPACE_MB = 8;

/** The young generation V8 builds from CORE_SEMI_SPACE_MB (two semi-spaces and the new large-object space). */
export const CORE_YOUNG_GENERATION_MB = CORE_SEMI_SPACE_MB * 3;

export const CORE_EXEC_ARGV = [`--max-semi-space-size=${CORE_SEMI_SPACE_MB}`];
