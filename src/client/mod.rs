//! The blocking driver: runs proto state machines over io.
