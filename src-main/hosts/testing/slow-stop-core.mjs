// A stand-in for core-process.js that is still starting when it is told to stop, and takes
// a while to exit after SIGTERM (as the real one does while it finishes starting and closes
// its database): `node slow-stop-core.mjs <ms>` exits <ms> after the signal, never ready.
const ms = Number(process.argv[2] ?? 0);
process.on('SIGTERM', () => setTimeout(() => process.exit(0), ms));
setInterval(() => {}, 1 << 30);
