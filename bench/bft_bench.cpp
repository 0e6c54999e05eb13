// bft_bench - what Byzantine broadcast costs on one core: signatures,
// certificate checks, Merkle roots, decoding, and whole simulated clusters.
//
//   build/release/bench/bft_bench
//   build/release/bench/bft_bench --benchmark_filter=cluster
//
//   sign / verify                 one Ed25519 operation over an 80-byte statement
//   certificate_verify/<n>        Certificate::verify with a quorum of n = 3f+1
//   merkle_root/<messages>        root of a batch of 256-byte messages
//   decode_commit/<messages>      strict decode of a commit (n = 4) carrying the batch
//   cluster/<mode>/<n>/<batch>    a whole cluster in one thread over perfect links:
//                                 every correct member broadcasts batches of
//                                 <batch> 256-byte messages, one member (the
//                                 last) is Byzantine and silent; the counter
//                                 msgs_per_s is messages delivered at every
//                                 correct node per second of this ONE core
//                                 doing all members' work (each real member
//                                 does about 1/n of it)
//   round_trip/unix|tcp/<bytes>   one framed message there and back (an echo
//                                 thread), Unix socketpair (the baseline, same
//                                 framer) against TCP on 127.0.0.1
//   tcp_handshake                 connect + mutual Ed25519 authentication
#include <benchmark/benchmark.h>

#include <thread>

#include "missive/net/tcp_auth.hpp"
#include "missive/net/tcp_stream.hpp"

#include <deque>
#include <memory>

#include "missive/bft/bracha_node.hpp"
#include "missive/bft/certificate.hpp"
#include "missive/bft/echo_node.hpp"
#include "missive/bft/merkle.hpp"
#include "missive/bft/messages.hpp"
#include "missive/bft/statement.hpp"

namespace missive::bft {
namespace {

// --------------------------------------------------------------- network

template <class Stream>
void echo_round_trips(benchmark::State& state, Stream& client, Stream& server) {
  std::thread echo([&server] {
    std::vector<std::byte> buf;
    for (;;) {
      auto r = server.recv(buf, Deadline::after(std::chrono::seconds(10)));
      if (!r || !server.send(buf, Deadline::after(std::chrono::seconds(10)))) return;
    }
  });
  const std::vector<std::byte> payload(static_cast<std::size_t>(state.range(0)), std::byte{7});
  std::vector<std::byte> back;
  for (auto _ : state) {
    if (!client.send(payload, Deadline::after(std::chrono::seconds(10))) ||
        !client.recv(back, Deadline::after(std::chrono::seconds(10)))) {
      state.SkipWithError("round trip failed");
      break;
    }
  }
  client.close();
  echo.join();
}

void BM_round_trip_unix(benchmark::State& state) {
  auto pair = net::UnixStream::pair(platform::SocketType::stream);
  if (!pair) return state.SkipWithError("socketpair failed");
  echo_round_trips(state, pair->first, pair->second);
}
BENCHMARK(BM_round_trip_unix)->Name("round_trip/unix")->Arg(256)->UseRealTime();

void BM_round_trip_tcp(benchmark::State& state) {
  auto listener = net::TcpListener::listen("tcp://127.0.0.1:0");
  if (!listener) return state.SkipWithError("listen failed");
  auto client = net::TcpStream::connect(listener->address(), Deadline::after(std::chrono::seconds(2)));
  if (!client) return state.SkipWithError("connect failed");
  auto server = listener->accept(Deadline::after(std::chrono::seconds(2)));
  if (!server) return state.SkipWithError("accept failed");
  echo_round_trips(state, *client, *server);
}
BENCHMARK(BM_round_trip_tcp)->Name("round_trip/tcp")->Arg(256)->UseRealTime();

void BM_tcp_handshake(benchmark::State& state) {
  net::KeySeed a{}, b{};
  a.fill(std::byte{1});
  b.fill(std::byte{2});
  const net::Identity ida = *net::Identity::from_seed(a), idb = *net::Identity::from_seed(b);
  const std::vector<net::NodeKey> members = {ida.public_key(), idb.public_key()};
  auto listener = net::TcpListener::listen("tcp://127.0.0.1:0");
  if (!listener) return state.SkipWithError("listen failed");
  for (auto _ : state) {
    auto client = net::TcpStream::connect(listener->address(), Deadline::after(std::chrono::seconds(2)));
    auto server = listener->accept(Deadline::after(std::chrono::seconds(2)));
    if (!client || !server) return state.SkipWithError("connect failed");
    bool server_ok = false;
    std::thread t([&] {
      server_ok = static_cast<bool>(net::authenticate_server(*server, idb, members, Deadline::after(std::chrono::seconds(2))));
    });
    const bool client_ok = static_cast<bool>(
        net::authenticate_client(*client, ida, members, 1, Deadline::after(std::chrono::seconds(2))));
    t.join();
    if (!client_ok || !server_ok) return state.SkipWithError("handshake failed");
  }
}
BENCHMARK(BM_tcp_handshake)->Name("tcp_handshake")->UseRealTime();

Seed seed_of(NodeId id) {
  Seed seed{};
  seed.fill(std::byte{0xBE});
  seed[0] = static_cast<std::byte>(id);
  return seed;
}

KeyPair keys_of(NodeId id) { return *KeyPair::from_seed(seed_of(id)); }

ClusterConfig cluster_of(std::uint32_t n) {
  std::vector<PublicKey> keys;
  for (NodeId id = 0; id < n; ++id) keys.push_back(keys_of(id).public_key());
  return *ClusterConfig::create(1, (n - 1) / 3, keys);
}

std::vector<Bytes> batch_of(std::size_t messages) {
  std::vector<Bytes> batch(messages, Bytes(256));
  for (std::size_t i = 0; i < messages; ++i) batch[i][0] = static_cast<std::byte>(i);
  return batch;
}

const InstanceId instance{1, 0, 1};
const Digest some_root = merkle_root(batch_of(1));

void sign(benchmark::State& state) {
  const KeyPair keys = keys_of(0);
  const Statement statement = make_statement(Domain::acknowledge, instance, some_root);
  for (auto _ : state) benchmark::DoNotOptimize(keys.sign(statement));
}
BENCHMARK(sign);

void verify(benchmark::State& state) {
  const KeyPair keys = keys_of(0);
  const Statement statement = make_statement(Domain::acknowledge, instance, some_root);
  const Signature signature = keys.sign(statement);
  for (auto _ : state) benchmark::DoNotOptimize(verify_signature(keys.public_key(), statement, signature));
}
BENCHMARK(verify);

Certificate certificate_for(const ClusterConfig& config, const Digest& root) {
  Certificate c;
  for (NodeId w = 0; w < config.quorum(); ++w) {
    c.signatures.push_back({w, keys_of(w).sign(make_statement(Domain::acknowledge, instance, root))});
  }
  return c;
}

void certificate_verify(benchmark::State& state) {
  const ClusterConfig config = cluster_of(static_cast<std::uint32_t>(state.range(0)));
  const Certificate c = certificate_for(config, some_root);
  for (auto _ : state) benchmark::DoNotOptimize(c.verify(config, instance, some_root));
}
BENCHMARK(certificate_verify)->Arg(4)->Arg(7)->Arg(10);

void merkle_root_of_batch(benchmark::State& state) {
  const std::vector<Bytes> batch = batch_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(merkle_root(batch));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(merkle_root_of_batch)->Name("merkle_root")->Arg(1)->Arg(64)->Arg(1024);

void decode_commit(benchmark::State& state) {
  const ClusterConfig config = cluster_of(4);
  const std::vector<Bytes> batch = batch_of(static_cast<std::size_t>(state.range(0)));
  const Bytes bytes = encode(Commit{instance, merkle_root(batch), batch, certificate_for(config, merkle_root(batch))});
  for (auto _ : state) benchmark::DoNotOptimize(decode(bytes, config.limits(), config.n()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(decode_commit)->Arg(1)->Arg(64)->Arg(1024);

// A cluster in one thread over perfect FIFO links; the last member is silent.
class Cluster {
 public:
  Cluster(Mode mode, std::uint32_t n) : config_(cluster_of(n)) {
    for (NodeId id = 0; id + 1 < n; ++id) {
      auto votes = std::make_shared<MemoryVoteStore>();
      if (mode == Mode::signed_echo) {
        nodes_.push_back(*EchoNode::create(config_, id, keys_of(id), votes));
      } else {
        nodes_.push_back(*BrachaNode::create(config_, id, keys_of(id), votes));
      }
    }
  }

  // One batch from each correct member; returns messages delivered (summed over correct nodes).
  std::uint64_t round(const std::vector<Bytes>& batch) {
    std::uint64_t delivered = 0;
    for (NodeId id = 0; id < nodes_.size(); ++id) {
      (void)nodes_[id]->broadcast(batch, out_);
      delivered += absorb(id);
    }
    while (!queue_.empty()) {
      const auto [from, to, bytes] = std::move(queue_.front());
      queue_.pop_front();
      if (to >= nodes_.size()) continue;  // the silent member
      (void)nodes_[to]->on_message(from, *bytes, out_);
      delivered += absorb(to);
    }
    return delivered;
  }

 private:
  struct InFlight {
    NodeId from;
    NodeId to;
    std::shared_ptr<const Bytes> bytes;
  };

  std::uint64_t absorb(NodeId from) {
    std::uint64_t delivered = 0;
    for (Outgoing& o : out_.sends) queue_.push_back({from, o.to, std::move(o.bytes)});
    for (const Delivery& d : out_.deliveries) delivered += d.batch.size();
    out_.clear();
    return delivered;
  }

  ClusterConfig config_;
  std::vector<std::unique_ptr<BroadcastNode>> nodes_;
  std::deque<InFlight> queue_;
  Effects out_;
};

void cluster(benchmark::State& state, Mode mode) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const std::vector<Bytes> batch = batch_of(static_cast<std::size_t>(state.range(1)));
  Cluster c(mode, n);
  std::uint64_t delivered = 0;
  for (auto _ : state) delivered += c.round(batch);
  const std::uint64_t correct = n - 1;
  // Messages delivered at every correct node = deliveries / correct nodes.
  state.counters["msgs_per_s"] = benchmark::Counter(static_cast<double>(delivered / correct), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(cluster, signed_echo, Mode::signed_echo)
    ->ArgsProduct({{4, 7, 10}, {1, 64, 1024}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(cluster, bracha, Mode::bracha)->ArgsProduct({{4, 7, 10}, {1, 64, 1024}})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace missive::bft

BENCHMARK_MAIN();
