// missive/service/wait_for_graph.hpp - WaitForGraph: who waits on whom, and the cycle that closes.
//
//   service::WaitForGraph graph;
//   auto added = graph.add_edge("a", "b", 12);          // a calls b, request #12
//   if (added && added->deadlock) fail_call(added->deadlock->text());
//   ...
//   graph.remove_edge("a", 12);                         // the call ended
//
// Nodes are service names; an edge is one blocking call in flight: (caller,
// callee, request id, sequence). The model is the issue's: a service that waits
// on a call cannot serve the request that would unblock it, so a cycle of edges
// is a deadlock. (For a service that serves requests concurrently this is
// conservative; see docs/deadlock.md.)
//
// Detection happens when an edge is added: the edge caller -> callee closes a
// cycle exactly when the caller is already reachable from the callee. add_edge
// searches depth-first from the callee over every out-edge of every node it
// reaches (several calls may leave one service at once), looking for the
// caller. Cost: O(V + E) of the part of the graph reachable from the callee,
// worst case the whole graph, one hash lookup per edge followed and no
// allocation (visit marks live in the nodes); removal is O(1) on average.
//
// Because the graph only ever admits edges that do not close a cycle, it is
// acyclic at all times, and the edge that closes a cycle is never kept: the
// report hands it back to the caller, who fails that call with Errc::deadlock.
//
// Thread-safety: every public method may be called from any thread; all state
// sits behind one mutex (no method blocks other than on it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "missive/core/result.hpp"

namespace missive::service {

// One blocking call in flight: `caller` waits on `callee` for request `request_id`.
// `sequence` orders edges by age: a larger sequence is a younger call.
struct WaitEdge {
  std::string caller;
  std::string callee;
  std::uint64_t request_id = 0;
  std::uint64_t sequence = 0;

  friend bool operator==(const WaitEdge&, const WaitEdge&) = default;
};

// A cycle found by add_edge. edges[0] is the edge that closed it (and that the
// graph did not keep); edges[i].callee == edges[i + 1].caller, and the last
// edge's callee is edges[0].caller.
struct DeadlockReport {
  std::vector<WaitEdge> edges;
  std::size_t youngest = 0;  // index in `edges` of the largest sequence number

  // "a(#12) -> b(#7) -> c(#3) -> a": each caller with the request id it waits on.
  [[nodiscard]] std::string text() const;
  // The services of the cycle in order, starting with the closing edge's caller.
  [[nodiscard]] std::vector<std::string> services() const;
};

// What add_edge decided about an edge it accepted as well-formed.
struct EdgeAdmission {
  std::uint64_t sequence = 0;              // the edge's sequence number
  std::optional<DeadlockReport> deadlock;  // set: the edge closed a cycle and was NOT kept

  [[nodiscard]] bool kept() const noexcept { return !deadlock.has_value(); }
};

class WaitForGraph {
 public:
  WaitForGraph() = default;
  WaitForGraph(const WaitForGraph&) = delete;
  WaitForGraph& operator=(const WaitForGraph&) = delete;

  // Any thread. Registers "caller waits on callee for request_id", giving it the
  // next sequence number (so the new edge is the youngest in the graph).
  // Returns the admission: kept, or a DeadlockReport when the edge closes a
  // cycle (the graph is then unchanged). Errors, graph unchanged:
  // invalid_argument for an empty name or a (caller, request_id) already present.
  [[nodiscard]] Result<EdgeAdmission> add_edge(std::string_view caller, std::string_view callee,
                                               std::uint64_t request_id);
  // Any thread. The same with a sequence chosen by the caller (for example the
  // order in which the calls started, when registrations can arrive out of that
  // order); the report's `youngest` then names the largest of these. Later
  // graph-assigned sequences continue above the largest one seen.
  [[nodiscard]] Result<EdgeAdmission> add_edge(std::string_view caller, std::string_view callee,
                                               std::uint64_t request_id, std::uint64_t sequence);

  // Any thread. Removes the edge of (caller, request_id): the call ended.
  // not_found when there is no such edge (graph unchanged).
  [[nodiscard]] Status remove_edge(std::string_view caller, std::uint64_t request_id);
  // Any thread. Removes every edge that leaves `caller` (the service died, its
  // calls with it). Returns how many were removed.
  std::size_t remove_edges_of(std::string_view caller);

  // Any thread. Snapshots.
  [[nodiscard]] std::size_t edge_count() const;
  [[nodiscard]] bool contains(std::string_view caller, std::uint64_t request_id) const;
  [[nodiscard]] std::vector<WaitEdge> edges() const;

 private:
  struct OutEdge {
    std::string callee;
    std::uint64_t sequence = 0;
  };
  // A service's calls in flight, by request id.
  using OutEdges = std::unordered_map<std::uint64_t, OutEdge>;
  struct Node;
  // The edge by which a search first reached a node (pointers into out_,
  // whose nodes never move while they exist).
  struct Arrival {
    const std::string* caller = nullptr;  // nullptr: the search started here
    const Node* caller_node = nullptr;
    const std::string* callee = nullptr;
    std::uint64_t request_id = 0;
    std::uint64_t sequence = 0;
  };
  // A service that waits on at least one call, with the search's scratch
  // marks (so a search allocates nothing but the path it returns).
  struct Node {
    OutEdges calls;
    std::uint64_t reached_in = 0;  // the search epoch that last reached it
    Arrival arrived_by;
  };
  // Lets out_ be searched by string_view without building a std::string.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept { return std::hash<std::string_view>{}(name); }
  };

  Result<EdgeAdmission> add_locked(std::string_view caller, std::string_view callee, std::uint64_t request_id,
                                   std::uint64_t sequence);
  // The edges of a path from `from` to `to`, empty when `to` is unreachable
  // (from == to gives an empty path too: callers check that case first).
  [[nodiscard]] std::vector<WaitEdge> find_path_locked(std::string_view from, std::string_view to);
  // The path ending with `last`, walking the search's arrivals back from its caller.
  [[nodiscard]] static std::vector<WaitEdge> path_back_from(WaitEdge last, const Node& last_caller);

  mutable std::mutex mu_;
  std::unordered_map<std::string, Node, NameHash, std::equal_to<>> out_;  // guarded by mu_; no node without calls
  std::size_t edge_count_ = 0;                                            // guarded by mu_
  std::uint64_t next_sequence_ = 1;                                       // guarded by mu_
  std::uint64_t search_epoch_ = 0;                                        // guarded by mu_
  std::vector<std::pair<const std::string*, Node*>> to_visit_;            // guarded by mu_; search scratch
};

}  // namespace missive::service
