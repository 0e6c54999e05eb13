// TcpNode (tcp_node.hpp): a broadcast node over authenticated TCP links.
#include "missive/bft/tcp_node.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include "missive/bft/bracha_node.hpp"
#include "missive/bft/echo_node.hpp"
#include "missive/bft/sim/detail/actors.hpp"
#include "missive/channel/channel.hpp"
#include "missive/net/tcp_auth.hpp"
#include "missive/net/tcp_link.hpp"
#include "missive/net/tcp_stream.hpp"

namespace missive::bft {
namespace {

using namespace std::chrono_literals;

// Frame type of protocol messages on a link (handshake frames use 0x4d41xxxx).
constexpr std::uint32_t bft_frame_type = 0x42465401;

// An honest member in the Actor shape the Byzantine behaviours have.
class Honest final : public sim::detail::Actor {
 public:
  explicit Honest(std::unique_ptr<BroadcastNode> node) noexcept : node_(std::move(node)) {}
  void on_message(NodeId from, std::span<const std::byte> bytes, Effects& out) override {
    if (!node_->on_message(from, bytes, out)) ++refused;
  }
  void on_tick(Effects& out) override { node_->on_tick(out); }
  void on_turn(std::vector<Bytes> batch, Effects& out) override {
    auto r = node_->broadcast(std::move(batch), out);
    last_broadcast = r ? ok() : Status(r.error());
  }
  std::uint64_t refused = 0;
  Status last_broadcast = ok();

 private:
  std::unique_ptr<BroadcastNode> node_;
};

struct Inbound {
  NodeId from = 0;
  Bytes bytes;
};

}  // namespace

struct TcpNode::Impl {
  TcpNodeSetup setup;
  std::vector<net::NodeKey> trusted;
  std::optional<net::Identity> identity;
  std::unique_ptr<sim::detail::Actor> participant;
  Honest* honest = nullptr;  // participant, when it is honest
  std::optional<net::TcpListener> listener;
  std::vector<std::unique_ptr<net::TcpLink>> links;  // by peer id; null for self
  Channel<Inbound> inbox;
  std::deque<Inbound> local;  // messages a participant addressed to itself

  // Set by the destructor (release), read by the accept and reader threads
  // (acquire) to end their loops.
  std::atomic<bool> stop{false};
  // Counters written by accept/reader threads, read by stats(): relaxed, they
  // publish nothing but themselves.
  std::atomic<std::uint64_t> auth_failures{0};
  std::atomic<int> live_readers{0};
  std::mutex threads_mutex;
  std::list<std::thread> readers;  // guarded by threads_mutex
  std::thread acceptor;

  Effects effects;
  Clock::time_point next_tick{};
  // Retransmission period: the base tick after anything that may have lost a
  // message (a link reconnected, a send was refused for backpressure), then
  // doubling up to 16 ticks while nothing was lost. Over TCP a connected link
  // loses nothing, and retransmitting large commits every tick to a peer that
  // is merely slow feeds a storm (each copy costs it more CPU).
  Clock::duration tick_period{};
  std::uint64_t connects_at_tick = 0;
  std::uint64_t refusals_at_tick = 0;
  TcpNodeStats counters;

  explicit Impl(TcpNodeSetup s) : setup(std::move(s)), inbox(std::max<std::size_t>(setup.inbox_capacity, 1)) {}

  bool stopping() const noexcept { return stop.load(std::memory_order_acquire); }

  void accept_loop() {
    const int max_readers = static_cast<int>(4 * setup.config.n());
    while (!stopping()) {
      auto stream = listener->accept(Deadline::after(50ms));
      if (!stream) continue;
      if (live_readers.load(std::memory_order_relaxed) >= max_readers) continue;  // refuse a flood: close at once
      live_readers.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(threads_mutex);
      readers.emplace_back([this, s = std::move(*stream)]() mutable {
        read_loop(s);
        live_readers.fetch_sub(1, std::memory_order_relaxed);
      });
    }
  }

  void read_loop(net::TcpStream& stream) {
    auto peer = net::authenticate_server(stream, *identity, trusted, Deadline::after(2s));
    if (!peer) {
      auth_failures.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const auto from = static_cast<NodeId>(peer->index);
    std::vector<std::byte> buffer;
    while (!stopping()) {
      auto fields = stream.recv(buffer, Deadline::after(50ms));
      if (!fields) {
        if (fields.code() == Errc::timed_out) continue;
        return;  // closed or framing lost: the peer's link reconnects
      }
      if (fields->message_type != bft_frame_type) continue;  // not a protocol message: ignored
      Inbound in{from, Bytes(buffer.begin(), buffer.end())};
      for (;;) {
        Status s = inbox.send_until(std::move(in), Deadline::after(50ms));
        if (s || s.code() != Errc::timed_out || stopping()) break;
      }
    }
  }

  void dispatch() {
    for (Outgoing& o : effects.sends) {
      if (o.to == setup.self) {
        local.push_back(Inbound{o.to, *o.bytes});
        continue;
      }
      if (o.to >= links.size() || !links[o.to]) continue;  // not a member: nowhere to send
      Status s = links[o.to]->try_send(std::const_pointer_cast<const Bytes>(o.bytes));
      if (s) {
        ++counters.sent;
      } else {
        ++counters.backpressure_refusals;
      }
    }
    effects.sends.clear();
  }

  Clock::duration next_tick_period() {
    std::uint64_t connects = 0;
    for (const auto& link : links) {
      if (link) connects += link->stats().connects;
    }
    const bool maybe_lost = connects != connects_at_tick || counters.backpressure_refusals != refusals_at_tick;
    connects_at_tick = connects;
    refusals_at_tick = counters.backpressure_refusals;
    const Clock::duration base = setup.tick;
    tick_period = maybe_lost ? base : std::min<Clock::duration>(tick_period * 2, base * 16);
    return tick_period;
  }

  void handle(const Inbound& in) {
    ++counters.received;
    participant->on_message(in.from, in.bytes, effects);
    dispatch();
  }
};

TcpNode::TcpNode(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

TcpNode::~TcpNode() {
  impl_->stop.store(true, std::memory_order_release);  // pairs with stopping()
  impl_->inbox.close();                                // wakes readers blocked on a full inbox
  if (impl_->acceptor.joinable()) impl_->acceptor.join();
  std::list<std::thread> readers;
  {
    std::lock_guard lock(impl_->threads_mutex);
    readers.swap(impl_->readers);
  }
  for (std::thread& t : readers) t.join();
  impl_->links.clear();  // joins the link threads
}

Result<std::unique_ptr<TcpNode>> TcpNode::start(TcpNodeSetup setup) {
  const ClusterConfig& config = setup.config;
  if (setup.addresses.size() != config.n()) {
    return Error{Errc::invalid_argument, "one tcp address per member is needed"};
  }
  if (!config.is_member(setup.self)) return Error{Errc::invalid_argument, "this node's id is not a member"};
  auto impl = std::make_unique<Impl>(std::move(setup));
  const TcpNodeSetup& s = impl->setup;

  auto keys = KeyPair::from_seed(s.seed);
  if (!keys) return keys.error();
  if (keys->public_key() != s.config.key_of(s.self)) {
    return Error{Errc::invalid_argument, "the key file does not hold this member's key"};
  }
  auto identity = net::Identity::from_seed(s.seed);
  if (!identity) return identity.error();
  impl->identity.emplace(*identity);
  for (const PublicKey& k : s.config.members()) impl->trusted.push_back(k);

  if (s.byzantine) {
    sim::detail::ActorSetup actor{s.config, s.self, s.seed, s.mode, sim::Rng(0x5eed0000u + s.self)};
    impl->participant = sim::detail::make_actor(*s.byzantine, std::move(actor));
  } else {
    std::shared_ptr<VoteStore> votes;
    if (s.vote_directory.empty()) {
      votes = std::make_shared<MemoryVoteStore>();
    } else {
      auto file = FileVoteStore::open(s.vote_directory);
      if (!file) return file.error();
      votes = std::shared_ptr<VoteStore>(std::move(*file));
    }
    std::unique_ptr<BroadcastNode> node;
    if (s.mode == Mode::signed_echo) {
      auto echo = EchoNode::create(s.config, s.self, *std::move(keys), std::move(votes));
      if (!echo) return echo.error();
      node = std::move(*echo);
    } else {
      auto bracha = BrachaNode::create(s.config, s.self, *std::move(keys), std::move(votes));
      if (!bracha) return bracha.error();
      node = std::move(*bracha);
    }
    auto honest = std::make_unique<Honest>(std::move(node));
    impl->honest = honest.get();
    impl->participant = std::move(honest);
  }

  auto listener = net::TcpListener::listen(s.addresses[s.self]);
  if (!listener) return listener.error();
  impl->listener.emplace(std::move(*listener));

  net::LinkOptions link_options;
  link_options.queue_capacity = s.link_queue_capacity;
  link_options.message_type = bft_frame_type;
  impl->links.resize(s.config.n());
  for (NodeId peer = 0; peer < s.config.n(); ++peer) {
    if (peer == s.self) continue;
    impl->links[peer] = std::make_unique<net::TcpLink>(
        net::LinkTarget{s.addresses[peer], *impl->identity, impl->trusted, peer}, link_options);
  }
  Impl* raw = impl.get();
  impl->acceptor = std::thread([raw] { raw->accept_loop(); });
  impl->tick_period = s.tick;
  impl->next_tick = Clock::now() + s.tick;
  return std::unique_ptr<TcpNode>(new TcpNode(std::move(impl)));
}

NodeId TcpNode::id() const noexcept { return impl_->setup.self; }

Status TcpNode::broadcast(std::vector<Bytes> batch) {
  impl_->participant->on_turn(std::move(batch), impl_->effects);
  impl_->dispatch();
  return impl_->honest ? impl_->honest->last_broadcast : ok();
}

void TcpNode::restart_participant() { impl_->participant->on_restart(); }

void TcpNode::poll(Deadline deadline, std::vector<Delivery>& out) {
  Impl& m = *impl_;
  const auto collect = [&] {
    for (Delivery& d : m.effects.deliveries) out.push_back(std::move(d));
    m.effects.deliveries.clear();
  };
  for (;;) {
    while (!m.local.empty()) {
      Inbound in = std::move(m.local.front());
      m.local.pop_front();
      m.handle(in);
    }
    const auto now = Clock::now();
    if (now >= m.next_tick) {
      m.participant->on_tick(m.effects);
      m.dispatch();
      m.next_tick = now + m.next_tick_period();
    }
    collect();
    if (!out.empty() && m.local.empty()) return;
    // Everything already queued is handled without waiting.
    Result<Inbound> in = m.inbox.try_recv();
    if (!in) {
      if (deadline.expired()) return;
      const Deadline wait = Deadline::at(std::min(deadline.when(), m.next_tick));
      in = m.inbox.recv_until(wait);
    }
    if (in) m.handle(*in);
  }
}

TcpNodeStats TcpNode::stats() const {
  TcpNodeStats s = impl_->counters;
  if (impl_->honest) s.refused = impl_->honest->refused;
  s.auth_failures = impl_->auth_failures.load(std::memory_order_relaxed);
  for (const auto& link : impl_->links) {
    if (link) s.link_connects += link->stats().connects;
  }
  return s;
}

}  // namespace missive::bft
