# ts-mesh-proxy-init: the injected init container. It runs one command, `iptables-restore
# --noflush`, with the rules @mesh/injector generates (packages/injector/src/iptables-rules.ts),
# passed in the MESH_IPTABLES_RULES variable. It needs NET_ADMIN and NET_RAW and so runs as root,
# only for the few milliseconds before the pod's containers start; nothing else is in the image.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables \
 && rm -rf /var/lib/apt/lists/*

FROM build
# Pods' network namespaces are programmed through nf_tables (Debian 12's default iptables backend).
RUN update-alternatives --set iptables /usr/sbin/iptables-nft
ENTRYPOINT ["sh", "-c", "printf '%s' \"$MESH_IPTABLES_RULES\" | iptables-restore --noflush"]
