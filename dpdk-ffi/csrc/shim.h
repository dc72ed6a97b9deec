/*
 * flowmark's C shim: DPDK's hot functions are `static inline` in its headers,
 * so they have no symbol to link against. Each shim function wraps exactly one
 * of them (or one macro) and adds nothing.
 */
#ifndef FLOWMARK_SHIM_H
#define FLOWMARK_SHIM_H
#include <stdint.h>
#include <rte_mbuf.h>

int fm_errno(void);
uint16_t fm_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t fm_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
struct rte_mbuf *fm_pktmbuf_alloc(struct rte_mempool *mp);
void fm_pktmbuf_free(struct rte_mbuf *m);
void fm_pktmbuf_free_bulk(struct rte_mbuf **pkts, unsigned int n);
uint8_t *fm_mbuf_data(struct rte_mbuf *m);
uint16_t fm_mbuf_data_len(const struct rte_mbuf *m);
uint32_t fm_mbuf_pkt_len(const struct rte_mbuf *m);
uint16_t fm_mbuf_nb_segs(const struct rte_mbuf *m);
uint64_t fm_mbuf_ol_flags(const struct rte_mbuf *m);
char *fm_pktmbuf_append(struct rte_mbuf *m, uint16_t len);
unsigned fm_lcore_id(void);
uint64_t fm_rdtsc(void);
uint64_t fm_tsc_hz(void);
void fm_pause(void);
#endif
