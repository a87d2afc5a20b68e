package io.vidforge.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vidforge.Node;
import io.vidforge.Platform;
import io.vidforge.bucket.BucketCheck;
import io.vidforge.bucket.DeploymentId;
import io.vidforge.bucket.DeploymentMismatchException;
import io.vidforge.config.Role;
import io.vidforge.config.Settings;
import io.vidforge.testing.LiveCluster;
import io.vidforge.testing.TestNodes;
import io.vidforge.testing.TestS3;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Database and bucket carry one deployment id; a node refuses a pairing that does not belong together. */
@Tag("db")
class DeploymentIdTest {

    @Test
    void a_database_with_videos_next_to_a_fresh_bucket_is_refused_with_the_way_out_and_fsck_reports_it() {
        Map<String, String> env = TestNodes.environment("deployment-id");
        String id;
        try (Node first = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD))) {
            id = LiveCluster.upload(first, 1);
            DeploymentId ids = new DeploymentId(first.platform().sql(), first.platform().store(),
                    first.platform().videos()::any);
            assertTrue(ids.fromDatabase().isPresent());
            assertEquals(ids.fromDatabase(), ids.fromBucket(), "one id in both stores");
        }
        try (Node again = TestNodes.start(env, "upload-2", Set.of(Role.UPLOAD))) {
            assertEquals(id, LiveCluster.video(again, id).get("video_id").asText(), "the same pairing starts");
        }

        Map<String, String> freshStore = new HashMap<>(env);
        freshStore.putAll(TestS3.freshBucket("deployment-id-new")); // like a second cluster with a fresh DATA_DIR
        DeploymentMismatchException refused = assertThrows(DeploymentMismatchException.class,
                () -> TestNodes.start(freshStore, "upload-3", Set.of(Role.UPLOAD)));
        assertTrue(refused.getMessage().contains("reset") && refused.getMessage().contains("adopt"),
                "the error names the way out: " + refused.getMessage());

        Settings report = Settings.of(freshStore).with(Map.of(DeploymentId.CHECK_SETTING, DeploymentId.REPORT));
        try (Platform p = Platform.open(report, "fsck", Clock.systemUTC())) {
            BucketCheck.Report r = new BucketCheck(p.store(), p.sql(), p.videos(), Clock.systemUTC(),
                    Duration.ofHours(1)).run(p.deploymentProblem());
            assertTrue(r.deploymentProblem().isPresent(), "fsck reports the mismatch");
            assertTrue(r.dataLoss(), "and the video's raw object as missing");
        }

        Map<String, String> adopt = new HashMap<>(freshStore);
        adopt.put("DEPLOYMENT_ADOPT", "true");
        try (Node adopted = TestNodes.start(adopt, "upload-4", Set.of(Role.UPLOAD))) {
            // The way out the issue asks for: the same bytes uploaded again repair the video.
            assertEquals(201, io.vidforge.testing.Http.post(adopted.baseUri().resolve("/upload"),
                    io.vidforge.testing.SampleBytes.pseudoMp4(20_000, 1), "video/mp4").status());
        }
        try (Node later = TestNodes.start(freshStore, "upload-5", Set.of(Role.UPLOAD))) {
            assertEquals("uploaded", LiveCluster.video(later, id).get("status").asText(), "adopted for good");
        }
    }

    @Test
    void a_fresh_database_next_to_a_bucket_holding_another_deployments_objects_is_refused() {
        Map<String, String> env = TestNodes.environment("deployment-id-old-bucket");
        try (Node first = TestNodes.start(env, "upload-1", Set.of(Role.UPLOAD))) {
            LiveCluster.upload(first, 2);
        }
        Map<String, String> freshDb = new HashMap<>(env);
        freshDb.putAll(io.vidforge.testing.TestDatabases.fresh("deployment-id-new-db"));
        DeploymentMismatchException refused = assertThrows(DeploymentMismatchException.class,
                () -> TestNodes.start(freshDb, "upload-2", Set.of(Role.UPLOAD)));
        assertTrue(refused.getMessage().contains("garbage"), refused.getMessage());
    }
}
