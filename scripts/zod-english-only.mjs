// Stands in for zod's locales/index.js in the CLI build (see scripts/build-cli.mjs): Governor's messages are
// English, and the forty other locales were more than half of zod's weight in every command's start-up.
export { default as en } from 'zod/v4/locales/en.js';
