package engine

import (
	"os"
	"strconv"
	"strings"
)

// DesiredBacklog is the listen backlog the design asks for.
const DesiredBacklog = 16384

// ListenBacklog returns the backlog listeners really get. gnet passes
// net.core.somaxconn to listen(2), and the kernel caps any backlog there
// anyway, so the only way to reach DesiredBacklog is to raise the sysctl
// before the server starts:
//
//	sysctl -w net.core.somaxconn=16384 net.ipv4.tcp_max_syn_backlog=16384
//
// (in a container: docker run --sysctl net.core.somaxconn=16384 ...).
func ListenBacklog() int {
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return min(n, 65535)
}
