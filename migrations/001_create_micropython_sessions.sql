-- One row per conversation: the latest image of its MicroPython interpreter.
CREATE TABLE micropython_sessions (
    conversation_id TEXT PRIMARY KEY,
    actor_id TEXT,
    created_at TEXT NOT NULL,       -- first stored (UTC, ISO 8601)
    updated_at TEXT NOT NULL,       -- image last written
    last_used_at TEXT NOT NULL,     -- last call that ran in this session
    calls INTEGER NOT NULL,         -- calls the interpreter has run in its life
    raw_bytes INTEGER NOT NULL,     -- linear memory size of the interpreter
    stored_bytes INTEGER NOT NULL,  -- size of the image column
    fingerprint TEXT NOT NULL,      -- build and configuration the image belongs to
    globals TEXT NOT NULL,          -- JSON array of the user's top-level names
    image BLOB NOT NULL             -- non-zero memory pages and state, zstd-compressed
);
CREATE INDEX micropython_sessions_last_used_at ON micropython_sessions (last_used_at);
