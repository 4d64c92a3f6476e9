package dev.passage.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The mappers for Passage's own documents (management routes, golden files): nulls left out. */
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
