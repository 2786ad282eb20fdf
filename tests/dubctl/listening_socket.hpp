#pragma once
// A TCP socket listening on a free port the kernel picks, for tests that need something on a port:
// a process holding a port a stack wants, a tiny HTTP server, a peer that never answers.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace dub::test {

class ListeningSocket {
 public:
  enum class On { kLoopback, kAnyAddress };

  explicit ListeningSocket(On on = On::kLoopback, int backlog = 8) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(on == On::kLoopback ? INADDR_LOOPBACK : INADDR_ANY);
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, sa, len) != 0 || ::listen(fd_, backlog) != 0 || ::getsockname(fd_, sa, &len) != 0) {
      close();
      throw std::runtime_error("cannot listen on a free port");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~ListeningSocket() { close(); }
  ListeningSocket(const ListeningSocket&) = delete;
  ListeningSocket& operator=(const ListeningSocket&) = delete;
  ListeningSocket(ListeningSocket&&) = delete;
  ListeningSocket& operator=(ListeningSocket&&) = delete;

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] int port() const { return port_; }
  // Stops listening (the port is free again); port() still names it.
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  int port_ = 0;
};

}  // namespace dub::test
