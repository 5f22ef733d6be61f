-- The table vector.toml writes: one row per Suricata msstun transaction.
CREATE TABLE IF NOT EXISTS sensors.msstun_events
(
    timestamp DateTime64(6, 'UTC'),
    sensor LowCardinality(String),
    flow_id UInt64,
    src_ip String, src_port UInt16,
    dest_ip String, dest_port UInt16,
    proto LowCardinality(String),
    method LowCardinality(String),
    class LowCardinality(String),
    dialect LowCardinality(String),
    transaction_id String,
    error Nullable(String),
    event String   -- the whole "msstun" object (request/response/indication, …)
)
ENGINE = MergeTree
ORDER BY (method, timestamp);
