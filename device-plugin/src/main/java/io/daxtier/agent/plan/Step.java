package io.daxtier.agent.plan;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.Sizes;
import io.daxtier.api.v1alpha1.Zone;
import java.util.List;

/** One idempotent action on the node; the executor re-checks its precondition from sysfs. */
public sealed interface Step {

  /** A short human description, used by {@code apply --dry-run}. */
  String describe();

  /** Start an Address Range Scrub on a bus ({@code ndctl start-scrub}). */
  record StartScrub(String bus) implements Step {
    @Override
    public String describe() {
      return "ndctl start-scrub " + bus;
    }
  }

  /** Wait for the bus's ARS to complete ({@code ndctl wait-scrub}). */
  record AwaitScrub(String bus) implements Step {
    @Override
    public String describe() {
      return "ndctl wait-scrub " + bus;
    }
  }

  /** Clear known poison under the device's namespace ({@code ndctl clear-errors}). */
  record ClearErrors(String device, String region) implements Step {
    @Override
    public String describe() {
      return "ndctl clear-errors (namespace of " + device + " in " + region + ")";
    }
  }

  /** Re-read the region's bad blocks; more than {@code max} inside the device stops it. */
  record CheckBadBlocks(String device, int max) implements Step {
    @Override
    public String describe() {
      return "check bad blocks of " + device + " <= " + max;
    }
  }

  /** Unbind the device from device_dax. */
  record UnbindDeviceDax(String device) implements Step {
    @Override
    public String describe() {
      return "echo " + device + " > /sys/bus/dax/drivers/device_dax/unbind";
    }
  }

  /** Bind the device to kmem ({@code kmem/new_id} already binds; {@code kmem/bind} if not). */
  record BindKmem(String device) implements Step {
    @Override
    public String describe() {
      return "echo " + device + " > /sys/bus/dax/drivers/kmem/new_id";
    }
  }

  /** Online every offline block of the device into a zone, then verify zone and node growth. */
  record OnlineBlocks(String device, Zone zone, int targetNode) implements Step {
    @Override
    public String describe() {
      return "echo "
          + (zone == Zone.Normal ? "online_kernel" : "online_movable")
          + " > memoryN/state for each block of "
          + device
          + " in node"
          + targetNode;
    }
  }

  /**
   * Move the device's online blocks that are in another zone (onlined by the kernel or a udev rule)
   * into the pool's zone: offline, then online again, only while nothing uses the node's memory
   * ({@code --hotplug-policy Manage}).
   */
  record Rezone(String device, Zone zone, int targetNode) implements Step {
    @Override
    public String describe() {
      return "offline, then "
          + (zone == Zone.Normal ? "online_kernel" : "online_movable")
          + " each block of "
          + device
          + " not in "
          + zone
          + ", while node"
          + targetNode
          + "'s memory is unused";
    }
  }

  /** Offline every online block of the device; EBUSY rolls back and retries later. */
  record OfflineBlocks(String device) implements Step {
    @Override
    public String describe() {
      return "echo offline > memoryN/state for each block of " + device;
    }
  }

  /** Unbind kmem (only with every block offline) and remove the kmem id. */
  record UnbindKmem(String device) implements Step {
    @Override
    public String describe() {
      return "echo " + device + " > /sys/bus/dax/drivers/kmem/unbind, kmem/remove_id";
    }
  }

  /** Bind the device back to device_dax. */
  record BindDeviceDax(String device) implements Step {
    @Override
    public String describe() {
      return "echo " + device + " > /sys/bus/dax/drivers/device_dax/bind";
    }
  }

  /**
   * Overwrite the DIMMs behind a released device ({@code ndctl sanitize-dimm --overwrite}) for the
   * release of a pool (name, uid, generation); DIMMs the release already overwrote are skipped.
   */
  record EraseDimms(String device, List<String> dimms, String pool, String uid, Long generation)
      implements Step {
    public EraseDimms {
      dimms = List.copyOf(dimms);
    }

    @Override
    public String describe() {
      return "ndctl sanitize-dimm --overwrite " + String.join(" ", dimms);
    }
  }

  /**
   * Finish a release's erase an earlier agent recorded and did not complete (its regions may be
   * disabled, so its devices are not visible): overwrite the DIMMs not yet done, enable the
   * regions.
   */
  record ResumeErase(String release, List<String> dimms) implements Step {
    public ResumeErase {
      dimms = List.copyOf(dimms);
    }

    @Override
    public String describe() {
      return "resume the erase of "
          + release
          + ": ndctl sanitize-dimm --overwrite "
          + String.join(" ", dimms)
          + ", enable-region";
    }
  }

  /**
   * Give up a recorded erase whose pool no longer releases (the pool is back or gone): enable the
   * regions it disabled and forget it.
   */
  record EndErase(String release, List<String> regions) implements Step {
    public EndErase {
      regions = List.copyOf(regions);
    }

    @Override
    public String describe() {
      return "end the erase of " + release + ": ndctl enable-region " + String.join(" ", regions);
    }
  }

  /**
   * Create a devdax namespace for a pool that provisions: {@code size} bytes (0: all the region's
   * free space) aligned to {@code align} ({@code ndctl create-namespace}).
   */
  record CreateNamespace(String pool, String region, long size, long align) implements Step {
    @Override
    public String describe() {
      return "ndctl create-namespace -r "
          + region
          + " -m devdax"
          + (size == 0 ? "" : " -s " + size)
          + " -a "
          + align
          + " (pool "
          + pool
          + ")";
    }
  }

  /**
   * Retire the pages of new poison inside a device online as System RAM ({@code hard_offline_page},
   * at most {@code limit} pages; pages the kernel already flags poisoned are skipped); what is not
   * retired is marked unhealthy.
   */
  record RetirePages(String device, String pool, AddressRange pages, long limit) implements Step {
    @Override
    public String describe() {
      return "echo <address> > /sys/devices/system/memory/hard_offline_page for "
          + Math.min(pages.size() / Sizes.PAGE, limit)
          + " pages of "
          + device
          + " at "
          + pages
          + " (pool "
          + pool
          + ")";
    }
  }

  /** Stop advertising the capacity under new poison in a device (the pool's MarkUnhealthy). */
  record MarkUnhealthy(String device, String pool, AddressRange pages) implements Step {
    @Override
    public String describe() {
      return "mark " + pages.size() + " bytes of " + device + " at " + pages + " unhealthy";
    }
  }

  /** Record new poison in a device as seen, nothing else (the pool's Ignore). */
  record IgnorePoison(String device, String pool, AddressRange pages) implements Step {
    @Override
    public String describe() {
      return "ignore new poison in " + device + " at " + pages + " (pool " + pool + "'s policy)";
    }
  }

  /** Enable kernel demotion of cold pages to slower tiers. */
  record EnableDemotion() implements Step {
    @Override
    public String describe() {
      return "echo true > /sys/kernel/mm/numa/demotion_enabled";
    }
  }
}
