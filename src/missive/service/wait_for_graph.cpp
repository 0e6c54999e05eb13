// wait_for_graph.cpp - the wait-for graph: admission by reachability search.
#include "missive/service/wait_for_graph.hpp"

#include <algorithm>

namespace missive::service {

std::string DeadlockReport::text() const {
  std::string out;
  for (const WaitEdge& edge : edges) {
    out += edge.caller;
    out += "(#";
    out += std::to_string(edge.request_id);
    out += ") -> ";
  }
  if (!edges.empty()) out += edges.front().caller;
  return out;
}

std::vector<std::string> DeadlockReport::services() const {
  std::vector<std::string> names;
  names.reserve(edges.size());
  for (const WaitEdge& edge : edges) names.push_back(edge.caller);
  return names;
}

Result<EdgeAdmission> WaitForGraph::add_edge(std::string_view caller, std::string_view callee,
                                             std::uint64_t request_id) {
  std::lock_guard lock(mu_);
  return add_locked(caller, callee, request_id, next_sequence_);
}

Result<EdgeAdmission> WaitForGraph::add_edge(std::string_view caller, std::string_view callee, std::uint64_t request_id,
                                             std::uint64_t sequence) {
  std::lock_guard lock(mu_);
  return add_locked(caller, callee, request_id, sequence);
}

Result<EdgeAdmission> WaitForGraph::add_locked(std::string_view caller, std::string_view callee,
                                               std::uint64_t request_id, std::uint64_t sequence) {
  if (caller.empty() || callee.empty()) {
    return Error{Errc::invalid_argument, "a wait-for edge needs a caller and a callee name"};
  }
  const auto caller_node = out_.find(caller);
  const std::string caller_name(caller);
  if (caller_node != out_.end() && caller_node->second.calls.contains(request_id)) {
    return Error{Errc::invalid_argument, "this caller already waits on a call with this request id"};
  }
  next_sequence_ = std::max(next_sequence_, sequence + 1);

  const std::string callee_name(callee);
  WaitEdge closing{caller_name, callee_name, request_id, sequence};
  // A self-call closes a cycle of one edge; otherwise the edge closes a cycle
  // exactly when the caller is reachable from the callee.
  std::vector<WaitEdge> path;
  if (callee_name != caller_name) {
    path = find_path_locked(callee_name, caller_name);
    if (path.empty()) {
      out_[caller_name].calls.emplace(request_id, OutEdge{callee_name, sequence});
      ++edge_count_;
      return EdgeAdmission{sequence, std::nullopt};
    }
  }
  DeadlockReport report;
  report.edges.reserve(path.size() + 1);
  report.edges.push_back(std::move(closing));
  for (WaitEdge& edge : path) report.edges.push_back(std::move(edge));
  for (std::size_t i = 1; i < report.edges.size(); ++i) {
    if (report.edges[i].sequence > report.edges[report.youngest].sequence) report.youngest = i;
  }
  return EdgeAdmission{sequence, std::move(report)};
}

std::vector<WaitEdge> WaitForGraph::find_path_locked(std::string_view from, std::string_view to) {
  const auto start = out_.find(from);
  if (start == out_.end()) return {};  // the callee waits on nobody
  const std::uint64_t epoch = ++search_epoch_;
  start->second.reached_in = epoch;
  start->second.arrived_by = Arrival{};
  to_visit_.clear();
  to_visit_.emplace_back(&start->first, &start->second);
  while (!to_visit_.empty()) {
    const auto [name, node] = to_visit_.back();
    to_visit_.pop_back();
    // Every out-edge: a service serving several requests may wait on several callees.
    for (const auto& [request_id, edge] : node->calls) {
      if (edge.callee == to) return path_back_from(WaitEdge{*name, edge.callee, request_id, edge.sequence}, *node);
      const auto next = out_.find(edge.callee);
      if (next == out_.end() || next->second.reached_in == epoch) continue;  // a dead end, or seen
      next->second.reached_in = epoch;
      next->second.arrived_by = Arrival{name, node, &edge.callee, request_id, edge.sequence};
      to_visit_.emplace_back(&next->first, &next->second);
    }
  }
  return {};
}

std::vector<WaitEdge> WaitForGraph::path_back_from(WaitEdge last, const Node& last_caller) {
  std::vector<WaitEdge> path{std::move(last)};
  for (const Arrival* how = &last_caller.arrived_by; how->caller != nullptr; how = &how->caller_node->arrived_by) {
    path.push_back(WaitEdge{*how->caller, *how->callee, how->request_id, how->sequence});
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Status WaitForGraph::remove_edge(std::string_view caller, std::uint64_t request_id) {
  std::lock_guard lock(mu_);
  const auto node = out_.find(caller);
  if (node == out_.end() || node->second.calls.erase(request_id) == 0) {
    return Error{Errc::not_found, "no wait-for edge with this caller and request id"};
  }
  if (node->second.calls.empty()) out_.erase(node);
  --edge_count_;
  return ok();
}

std::size_t WaitForGraph::remove_edges_of(std::string_view caller) {
  std::lock_guard lock(mu_);
  const auto node = out_.find(caller);
  if (node == out_.end()) return 0;
  const std::size_t removed = node->second.calls.size();
  out_.erase(node);
  edge_count_ -= removed;
  return removed;
}

std::size_t WaitForGraph::edge_count() const {
  std::lock_guard lock(mu_);
  return edge_count_;
}

bool WaitForGraph::contains(std::string_view caller, std::uint64_t request_id) const {
  std::lock_guard lock(mu_);
  const auto node = out_.find(caller);
  return node != out_.end() && node->second.calls.contains(request_id);
}

std::vector<WaitEdge> WaitForGraph::edges() const {
  std::lock_guard lock(mu_);
  std::vector<WaitEdge> all;
  all.reserve(edge_count_);
  for (const auto& [caller, node] : out_) {
    for (const auto& [request_id, edge] : node.calls)
      all.push_back(WaitEdge{caller, edge.callee, request_id, edge.sequence});
  }
  return all;
}

}  // namespace missive::service
