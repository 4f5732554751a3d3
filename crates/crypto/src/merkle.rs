//! The audit log's Merkle tree (RFC 9162 §2.1) with SM3 as the hash.
//!
//! Leaves are `SM3(0x00 ‖ index as 8 bytes big-endian ‖ content)` — the RFC's leaf prefix, with
//! the leaf's position bound into its hash so that a moved entry no longer matches. Interior
//! nodes are `SM3(0x01 ‖ left ‖ right)`; the empty tree's root is `SM3("")`.
//!
//! Proofs are computed from the hashes of perfect, aligned subtrees, which the store keeps as
//! `(level, index)` nodes: level 0 are the leaves, a node at level `l` and index `i` covers
//! leaves `[i·2^l, (i+1)·2^l)`. Every subtree the RFC's recursion asks for decomposes into such
//! nodes, so [`needed`] first lists the nodes a computation will read and the store fetches
//! them in one query.

use crate::sm3;
use std::collections::HashMap;

pub type Hash = [u8; 32];

/// The hash of leaf `index` with the given content.
pub fn leaf_hash(index: u64, content: &[u8]) -> Hash {
    let mut buf = Vec::with_capacity(9 + content.len());
    buf.push(0x00);
    buf.extend_from_slice(&index.to_be_bytes());
    buf.extend_from_slice(content);
    sm3(&buf)
}

/// The hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 0x01;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    sm3(&buf)
}

/// The root of the empty tree.
pub fn empty_root() -> Hash {
    sm3(b"")
}

/// Where perfect-subtree hashes come from.
pub trait Nodes {
    fn node(&self, level: u32, index: u64) -> Hash;
}

impl Nodes for HashMap<(u32, u64), Hash> {
    fn node(&self, level: u32, index: u64) -> Hash {
        self.get(&(level, index)).copied().unwrap_or([0u8; 32])
    }
}

/// A source that records which nodes are asked for (their values are irrelevant to the
/// control flow of the algorithms below).
#[derive(Default)]
struct Recorder(std::cell::RefCell<Vec<(u32, u64)>>);

impl Nodes for Recorder {
    fn node(&self, level: u32, index: u64) -> Hash {
        self.0.borrow_mut().push((level, index));
        [0u8; 32]
    }
}

/// The nodes `f` will read.
pub fn needed(f: impl FnOnce(&dyn Nodes)) -> Vec<(u32, u64)> {
    let r = Recorder::default();
    f(&r);
    let mut v = r.0.into_inner();
    v.sort_unstable();
    v.dedup();
    v
}

fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// MTH of the `n` leaves starting at `start` (`start` aligned to the subtree it begins).
fn subtree(nodes: &dyn Nodes, start: u64, n: u64) -> Hash {
    if n.is_power_of_two() && start.is_multiple_of(n) {
        let level = n.trailing_zeros();
        return nodes.node(level, start >> level);
    }
    let k = largest_power_of_two_below(n);
    node_hash(&subtree(nodes, start, k), &subtree(nodes, start + k, n - k))
}

/// The root of the first `n` leaves.
pub fn root(nodes: &dyn Nodes, n: u64) -> Hash {
    if n == 0 { empty_root() } else { subtree(nodes, 0, n) }
}

/// RFC 9162 §2.1.3.1: the inclusion proof of leaf `m` in the tree of the first `n` leaves.
pub fn inclusion_proof(nodes: &dyn Nodes, m: u64, n: u64) -> Vec<Hash> {
    fn path(nodes: &dyn Nodes, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = largest_power_of_two_below(n);
        if m < k {
            path(nodes, m, start, k, out);
            out.push(subtree(nodes, start + k, n - k));
        } else {
            path(nodes, m - k, start + k, n - k, out);
            out.push(subtree(nodes, start, k));
        }
    }
    let mut out = Vec::new();
    if m < n {
        path(nodes, m, 0, n, &mut out);
    }
    out
}

/// RFC 9162 §2.1.4.1: the consistency proof between the trees of the first `m` and `n` leaves.
pub fn consistency_proof(nodes: &dyn Nodes, m: u64, n: u64) -> Vec<Hash> {
    fn subproof(nodes: &dyn Nodes, m: u64, start: u64, n: u64, complete: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !complete {
                out.push(subtree(nodes, start, n));
            }
            return;
        }
        let k = largest_power_of_two_below(n);
        if m <= k {
            subproof(nodes, m, start, k, complete, out);
            out.push(subtree(nodes, start + k, n - k));
        } else {
            subproof(nodes, m - k, start + k, n - k, false, out);
            out.push(subtree(nodes, start, k));
        }
    }
    let mut out = Vec::new();
    if 0 < m && m < n {
        subproof(nodes, m, 0, n, true, &mut out);
    }
    out
}

/// RFC 9162 §2.1.3.2: check that `leaf` is leaf `index` of the tree of `size` leaves with `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: check that the tree of `size2` leaves with `root2` extends the tree of
/// `size1` leaves with `root1`.
pub fn verify_consistency(size1: u64, size2: u64, root1: &Hash, root2: &Hash, proof: &[Hash]) -> bool {
    if size1 > size2 {
        return false;
    }
    if size1 == size2 {
        return proof.is_empty() && root1 == root2;
    }
    if size1 == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if size1.is_power_of_two() {
        path.insert(0, *root1);
    }
    if path.is_empty() {
        return false;
    }
    let (mut fnode, mut snode) = (size1 - 1, size2 - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && fr == *root1 && sr == *root2
}

/// The right edge of a growing tree: the roots of its perfect subtrees, largest first. Appending
/// leaves in order yields the new perfect nodes to store and, at any size, the root.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    /// (level, hash) of each perfect subtree on the right edge, left to right.
    stack: Vec<(u32, Hash)>,
}

impl Frontier {
    /// Rebuild the frontier of a tree of `size` leaves from its stored nodes.
    pub fn at(size: u64, nodes: &dyn Nodes) -> Self {
        let mut stack = Vec::new();
        let mut start = 0;
        for level in (0..64).rev() {
            if size & (1 << level) != 0 {
                stack.push((level, nodes.node(level, start >> level)));
                start += 1 << level;
            }
        }
        Frontier { size, stack }
    }

    /// The nodes [`Frontier::at`] reads for a tree of `size` leaves.
    pub fn needed_at(size: u64) -> Vec<(u32, u64)> {
        needed(|n| {
            Frontier::at(size, n);
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Append a leaf; returns every perfect node completed by it, leaf included, as
    /// `(level, index, hash)`.
    pub fn push(&mut self, leaf: Hash) -> Vec<(u32, u64, Hash)> {
        let index = self.size;
        let mut created = vec![(0, index, leaf)];
        let mut cur = (0u32, leaf);
        while let Some(&(level, left)) = self.stack.last() {
            if level != cur.0 {
                break;
            }
            self.stack.pop();
            let parent = node_hash(&left, &cur.1);
            cur = (level + 1, parent);
            created.push((cur.0, index >> cur.0, parent));
        }
        self.stack.push(cur);
        self.size += 1;
        created
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        match it.next() {
            None => empty_root(),
            Some(&(_, first)) => it.fold(first, |acc, (_, h)| node_hash(h, &acc)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The RFC's definition, straight from the leaves.
    fn naive_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = largest_power_of_two_below(n as u64) as usize;
                node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
            }
        }
    }

    fn build(n: u64) -> (Vec<Hash>, HashMap<(u32, u64), Hash>, Frontier) {
        let mut f = Frontier::default();
        let mut nodes = HashMap::new();
        let mut leaves = Vec::new();
        for i in 0..n {
            let leaf = leaf_hash(i, format!("entry {i}").as_bytes());
            leaves.push(leaf);
            for (l, idx, h) in f.push(leaf) {
                nodes.insert((l, idx), h);
            }
        }
        (leaves, nodes, f)
    }

    #[test]
    fn roots_agree_with_the_definition() {
        for n in 0..40u64 {
            let (leaves, nodes, f) = build(n);
            assert_eq!(root(&nodes, n), naive_root(&leaves), "n={n}");
            assert_eq!(f.root(), naive_root(&leaves), "frontier n={n}");
            let again = Frontier::at(n, &nodes);
            assert_eq!(again.root(), f.root());
        }
    }

    #[test]
    fn prefixes_are_distinct() {
        let l = leaf_hash(0, b"");
        assert_ne!(l, crate::sm3(b""));
        assert_ne!(node_hash(&l, &l), leaf_hash(0, &[l, l].concat()));
    }

    proptest! {
        #[test]
        fn inclusion_proofs_verify_and_reject_other_leaves(n in 1u64..300, pick in 0u64..300) {
            let m = pick % n;
            let (leaves, nodes, _) = build(n);
            let r = root(&nodes, n);
            let proof = inclusion_proof(&nodes, m, n);
            prop_assert!(verify_inclusion(m, n, &leaves[m as usize], &proof, &r));
            let other = leaf_hash(m, b"changed");
            prop_assert!(!verify_inclusion(m, n, &other, &proof, &r));
            if n > 1 {
                prop_assert!(!verify_inclusion((m + 1) % n, n, &leaves[m as usize], &proof, &r));
            }
        }

        #[test]
        fn consistency_proofs_verify_and_reject_forks(a in 1u64..200, b in 1u64..200) {
            let (m, n) = if a <= b { (a, b) } else { (b, a) };
            let (_, nodes, _) = build(n);
            let proof = consistency_proof(&nodes, m, n);
            let (r1, r2) = (root(&nodes, m), root(&nodes, n));
            prop_assert!(verify_consistency(m, n, &r1, &r2, &proof));
            let forked = leaf_hash(0, b"forked");
            prop_assert!(m == n || !verify_consistency(m, n, &forked, &r2, &proof));
        }

        #[test]
        fn needed_lists_exactly_what_is_read(n in 1u64..500, m in 0u64..500) {
            let m = m % n;
            let (_, nodes, _) = build(n);
            let wanted = needed(|src| { inclusion_proof(src, m, n); root(src, n); });
            let sub: HashMap<(u32, u64), Hash> = wanted.iter().map(|k| (*k, nodes[k])).collect();
            prop_assert_eq!(inclusion_proof(&sub, m, n), inclusion_proof(&nodes, m, n));
            prop_assert_eq!(root(&sub, n), root(&nodes, n));
        }
    }
}
