// Time limits for tests that start processes. They are hang detectors sized for a loaded, shared 2-core machine
// (a CLI command takes ~1 s on an idle one and was measured at 1.3 s at load 14, several seconds under heavier load),
// never speed requirements: no test asserts how long anything took.

/** One spawned command (`sortie …` to its exit); past this it is killed and the test fails naming it. */
export const COMMAND_TIMEOUT_MS = 120_000;

/** A test that runs many commands or starts servers in sequence. */
export const PROCESS_TEST_TIMEOUT_MS = 600_000;
