#pragma once

// When a live encoder sends each packet of a file it replays, and in which order.
//
// A live encoder cannot send a frame before it has captured it. With B-frames (x264's and OBS's
// default), the P-frame that follows a run of B-frames in decode order shows a later picture, so
// the encoder holds it until that picture is in: each packet leaves no earlier than the latest
// presentation time its stream has reached. Pacing a file by its decode times instead sends that
// P-frame ahead of its picture, and a server that times each track by its packets' arrival (as
// MediaMTX does for RTSP publishers) then places the whole picture that much early against the
// sound: 80-130 ms for x264's default 3 B-frames, over the spec's 120 ms A/V bound.
//
// Packets go in in decode (read) order and come out in order of their send time; within one stream
// that keeps decode order (the send time never goes back), which is all a muxer needs.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace dub::media {

template <class T>
class LiveOrder {
 public:
  struct Item {
    double send_s;  // media time at which a live encoder would send it
    uint64_t seq;   // read order, to keep ties (and each stream) in decode order
    T value;
  };

  // Adds a packet as read. `pts_s` is its presentation time, `dts_s` its decode time (pass the
  // same value for both when the stream has no reordering).
  void push(T value, int stream, double dts_s, double pts_s) {
    auto [it, inserted] = reached_.try_emplace(stream, pts_s);
    if (!inserted) it->second = std::max(it->second, pts_s);
    read_s_ = std::max(read_s_, dts_s);
    heap_.push_back(Item{it->second, seq_++, std::move(value)});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }

  // True when the earliest queued packet can go: no packet still to be read can come before it
  // (a later packet's send time is at least its decode time, and decode times only grow), or the
  // input has ended.
  [[nodiscard]] bool ready(bool input_ended) const {
    return !heap_.empty() && (input_ended || heap_.front().send_s <= read_s_);
  }

  [[nodiscard]] bool empty() const { return heap_.empty(); }

  // Takes the earliest queued packet (call only when not empty).
  Item pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Item item = std::move(heap_.back());
    heap_.pop_back();
    return item;
  }

 private:
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return a.send_s != b.send_s ? a.send_s > b.send_s : a.seq > b.seq;
    }
  };
  std::vector<Item> heap_;                                    // a min-heap on (send_s, seq)
  std::map<int, double> reached_;                             // per stream: the latest presentation time read so far
  double read_s_ = -std::numeric_limits<double>::infinity();  // the latest decode time read
  uint64_t seq_ = 0;
};

}  // namespace dub::media
