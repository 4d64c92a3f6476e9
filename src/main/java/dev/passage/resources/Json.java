package dev.passage.resources;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The JSON and YAML mappers for Passage's own documents (statuses as stored, management routes,
 * golden files), nulls left out. Here, in the first stage, so that every stage and ops may use them.
 */
public final class Json {
  private Json() {}

  public static final JsonMapper JSON = JsonMapper.builder()
      .changeDefaultPropertyInclusion(i -> i.withValueInclusion(JsonInclude.Include.NON_NULL))
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  public static final YAMLMapper YAML = YAMLMapper.builder()
      .changeDefaultPropertyInclusion(i -> i.withValueInclusion(JsonInclude.Include.NON_NULL))
      .build();
}
