def test_home_page_is_chinese_and_lists_counties(client, db):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "社区证明服务平台" in text
    assert "雁塔区" in text


def test_a_resident_starts_from_my_community(client, personas):
    client.force_login(personas.resident_a)
    page = client.get("/").content.decode()
    assert "我的社区：育才路社区居民委员会" in page and f"/catalog/c/{personas.community_x.code}/" in page
