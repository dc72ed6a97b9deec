//! Arbitrary bytes as a forest.bin: the loader must refuse or accept, never
//! panic; an accepted model must predict without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use models::forest::Model;
use models::schema;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Model::from_bytes(data) {
        let x = [1.0f32; schema::N];
        for ck in 0..m.checkpoints.len() {
            let _ = m.predict(ck, &x);
        }
        // What loads must survive a round trip.
        assert_eq!(Model::from_bytes(&m.to_bytes()).as_ref(), Ok(&m));
    }
});
