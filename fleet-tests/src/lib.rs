//! Test support for flowpayroll's fleet mode: [`redis_server::RedisServer`], a real
//! `redis-server` the fleet tests and the fleet benchmark start and stop themselves,
//! a Redis Cluster of them ([`redis_cluster::RedisCluster`]), and
//! [`sqlite_store::SqliteStore`], fleet mode's store on SQLite instead of Redis.
//! The package also holds the `fleet-member` binary (one member as its own process),
//! the fleet tests (`tests/`) and the fleet benchmark (`benches/fleet.rs`).

pub mod redis_cluster;
pub mod redis_server;
pub mod sqlite_store;
