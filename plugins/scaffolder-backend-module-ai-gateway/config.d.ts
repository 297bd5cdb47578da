export interface Config {
  scaffolder?: {
    aiGateway?: {
      /**
       * The local default: the folder `aigateway:publish:local` publishes into, one subfolder per
       * run, resolved against the backend's working directory (like `file` catalog locations).
       * Add a catalog location `type: file, target: <folder>/*\/catalog-info.yaml` so the catalog
       * reads it. Unset: local publishing is disabled (use a git host).
       */
      localPublishDirectory?: string;
    };
  };
}
