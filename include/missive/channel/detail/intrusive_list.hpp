// missive/channel/detail/intrusive_list.hpp - a FIFO of nodes that live elsewhere.
//
// Waiting threads queue nodes that live on their own stacks; linking them
// intrusively means parking never allocates and a timed-out waiter unlinks
// itself in O(1).
//
// Contract: not thread-safe. Every list is guarded by its owner's mutex; every
// call below happens with that mutex held. A node is in at most one list at a
// time, and must be unlinked before it is destroyed.
#pragma once

#include <cassert>

namespace missive::detail {

// Base for linkable nodes: `Node` derives from ListHook<Node>.
template <class Node>
struct ListHook {
  Node* prev = nullptr;
  Node* next = nullptr;
  bool linked = false;
};

template <class Node>
class IntrusiveList {
 public:
  IntrusiveList() = default;
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] Node* front() const noexcept { return head_; }

  void push_back(Node& n) noexcept {
    assert(!n.linked && "a node is in at most one list");
    n.prev = tail_;
    n.next = nullptr;
    n.linked = true;
    if (tail_ != nullptr) {
      tail_->next = &n;
    } else {
      head_ = &n;
    }
    tail_ = &n;
  }

  // Unlinks and returns the oldest node, or nullptr.
  Node* pop_front() noexcept {
    Node* n = head_;
    if (n != nullptr) remove(*n);
    return n;
  }

  // Unlinks `n`, which must be in this list.
  void remove(Node& n) noexcept {
    assert(n.linked && "removing a node that is not linked");
    if (n.prev != nullptr) {
      n.prev->next = n.next;
    } else {
      head_ = n.next;
    }
    if (n.next != nullptr) {
      n.next->prev = n.prev;
    } else {
      tail_ = n.prev;
    }
    n.prev = nullptr;
    n.next = nullptr;
    n.linked = false;
  }

  // Calls f(node) for every node, oldest first. `f` must not unlink nodes.
  template <class F>
  void for_each(F&& f) const {
    for (Node* n = head_; n != nullptr; n = n->next) f(*n);
  }

 private:
  Node* head_ = nullptr;
  Node* tail_ = nullptr;
};

}  // namespace missive::detail
