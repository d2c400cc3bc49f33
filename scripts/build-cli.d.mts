// Types for scripts/build-cli.mjs (plain JavaScript: it runs before anything is built).
export declare const ROOT: string;
export declare const CLI_DIR: string;
export declare const BUILD_INFO: string;
/** Build dist/cli; resolves to the entry's absolute path. */
export declare function buildCli(opts?: { quiet?: boolean }): Promise<string>;
/** The built entry to run, or why there is none to run as it is. */
export declare function builtEntry(): { entry: string; stale?: undefined } | { stale: string; entry?: undefined };
