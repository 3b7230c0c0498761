//! A real Redis Cluster on 127.0.0.1 for the fleet tests: `redis-server
//! --cluster-enabled yes` nodes ([`RedisServer`]s, each in its own directory) joined by
//! `redis-cli --cluster create`, three masters and optionally one replica each (for a
//! failover), with a 1 s node timeout so that a replica takes over quickly.

use std::process::Command;
use std::time::Duration;

use redis::Value;

use crate::redis_server::RedisServer;

/// The cluster's nodes; dropped, they stop.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Three masters, with one replica each if `replicas`; `None` (as
    /// [`RedisServer::start`]) without `redis-server`. Returns once every node reports
    /// the cluster ok and every replica is in sync.
    pub fn start(replicas: bool) -> Option<Self> {
        let count = if replicas { 6 } else { 3 };
        let args = [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "1000",
        ];
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let nodes = (0..count)
            .map(|_| RedisServer::start_with(args.clone(), false))
            .collect::<Option<Vec<_>>>()?;
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port()))
            .collect();
        let output = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", if replicas { "1" } else { "0" }])
            .arg("--cluster-yes")
            .output()
            .expect("redis-cli runs (apt-get install redis-tools)");
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        let cluster = Self { nodes };
        cluster.wait_until_ready();
        Some(cluster)
    }

    /// `redis://127.0.0.1:<port>` of every node.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    fn wait_until_ready(&self) {
        for _ in 0..1000 {
            let ready = self.nodes.iter().all(|node| {
                let mut conn = node.connection();
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut conn)
                    .unwrap_or_default();
                let replication: String = redis::cmd("INFO")
                    .arg("replication")
                    .query(&mut conn)
                    .unwrap_or_default();
                info.contains("cluster_state:ok")
                    && (replication.contains("role:master")
                        || replication.contains("master_link_status:up"))
            });
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the Redis Cluster did not become ready");
    }

    /// The keys matching `pattern` on every running node (masters and replicas, so a
    /// key may come more than once).
    pub fn keys(&self, pattern: &str) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for node in self.nodes.iter().filter(|n| n.is_running()) {
            let found: Vec<String> = redis::cmd("KEYS")
                .arg(pattern)
                .query(&mut node.connection())
                .unwrap_or_default();
            keys.extend(found);
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// The hash slot of `key`.
    pub fn slot(&self, key: &str) -> i64 {
        let mut conn = self.live_node().connection();
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut conn)
            .unwrap()
    }

    /// Kills (SIGKILL) the master serving `slot`; returns its port.
    pub fn kill_master_of(&mut self, slot: i64) -> u16 {
        let port = self.master_of(slot);
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.port() == port)
            .expect("the master is one of the nodes");
        node.kill();
        port
    }

    /// The port of the master that serves `slot`, by `CLUSTER SLOTS`.
    pub fn master_of(&self, slot: i64) -> u16 {
        let mut conn = self.live_node().connection();
        let ranges: Vec<Value> = redis::cmd("CLUSTER").arg("SLOTS").query(&mut conn).unwrap();
        for range in ranges {
            let Value::Array(parts) = range else { continue };
            let (Some(Value::Int(start)), Some(Value::Int(end)), Some(Value::Array(master))) =
                (parts.first(), parts.get(1), parts.get(2))
            else {
                continue;
            };
            if (*start..=*end).contains(&slot) {
                if let Some(Value::Int(port)) = master.get(1) {
                    return u16::try_from(*port).unwrap();
                }
            }
        }
        panic!("no master serves slot {slot}");
    }

    fn live_node(&self) -> &RedisServer {
        self.nodes
            .iter()
            .find(|n| n.is_running())
            .expect("a running node")
    }
}
