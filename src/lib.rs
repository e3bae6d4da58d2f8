//! The test and example suite of pgshift (not published). Its one binary, `suite-runner`,
//! applies a folder of migrations and is started as a separate process by the tests that need
//! several runners or a runner to kill.
